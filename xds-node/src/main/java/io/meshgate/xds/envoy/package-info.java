/**
 * envoy: the IR to Envoy v3 resources — Listener, RouteConfiguration, Cluster and
 * ClusterLoadAssignment — one file per concern. Pure and deterministic: the same IR gives the same
 * protos, and {@link io.meshgate.xds.envoy.Versions} hashes them for versions. The only stage
 * besides snapshot and serve that may import Envoy types.
 */
package io.meshgate.xds.envoy;
