/**
 * snapshot: each proxy group's Envoy resources, by type, packed once and versioned by content hash
 * per resource and per type, held for serving. Only packs and versions: the envoy stage translates.
 * Replicas at the same etcd revision hold identical snapshots.
 */
package io.meshgate.xds.snapshot;
