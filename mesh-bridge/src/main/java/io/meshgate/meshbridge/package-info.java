/**
 * mesh-bridge: SPIFFE identities and trust bundles from Consul Connect's CA, Istio's CA or a
 * built-in CA, rotated into identity snapshots. Private keys never leave memory.
 */
package io.meshgate.meshbridge;
