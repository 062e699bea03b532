/**
 * envoy: the IR to Envoy v3 resources — Listener, RouteConfiguration, Cluster,
 * ClusterLoadAssignment and SDS Secret — one file per concern, through one entry ({@link
 * io.meshgate.xds.envoy.EnvoyTranslator#translate}). Pure and deterministic: the same IR and key
 * ring give the same protos; no file, clock or randomness is touched. The only stage besides
 * snapshot and serve that may import Envoy types.
 */
package io.meshgate.xds.envoy;
