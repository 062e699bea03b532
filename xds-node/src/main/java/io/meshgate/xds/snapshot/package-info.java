/**
 * snapshot: each proxy group's Envoy resources, by type, with content-hash versions per resource
 * and per type, held for serving. Replicas at the same etcd revision hold identical snapshots.
 */
package io.meshgate.xds.snapshot;
