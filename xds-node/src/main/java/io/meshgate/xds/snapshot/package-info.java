/**
 * snapshot: each proxy group's Envoy resources by type, with a version per type (a hash over the
 * resources' names and content versions), held for serving. Only groups and versions: the envoy
 * stage translated and packed each resource. Replicas at the same etcd revision hold identical
 * snapshots.
 */
package io.meshgate.xds.snapshot;
