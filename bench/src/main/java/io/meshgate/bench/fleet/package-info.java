/**
 * A simulated Envoy fleet: many ADS clients in one JVM (state of the world or delta, each with its
 * own node id, unpacking every resource it gets, ACKing it or NACKing what it cannot unpack, and
 * recording when a marked change arrived; the protocol is testkit's {@code ads.AdsClient}, shared
 * with the fault suite's simulated Envoys), the xds-node under test in its own JVM, and the floor —
 * a bare java-control-plane SimpleCache server holding the same snapshots, each type versioned on
 * its own — in another.
 */
package io.meshgate.bench.fleet;
