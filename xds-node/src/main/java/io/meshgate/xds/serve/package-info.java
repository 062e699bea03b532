/**
 * serve: ADS over gRPC, state of the world and delta, from the snapshot store. Each stream is a
 * small state machine per type: it serves the names asked for, sends the next version only after
 * the previous one was ACKed or NACKed, never sends a proxy content it NACKed while that content is
 * current, and never blocks or fails the pipeline's push to the other streams of its group. The
 * node's agent services (registration, identity) share its admission and credential checks for
 * their own streams ({@link io.meshgate.xds.serve.AgentStreams}).
 */
package io.meshgate.xds.serve;
