/**
 * serve: ADS over gRPC, state of the world and delta, from the snapshot store. Each stream is a
 * small state machine per type: it serves the names asked for, sends the next version only after
 * the previous one was ACKed or NACKed, and never sends a stream a version it NACKed.
 */
package io.meshgate.xds.serve;
