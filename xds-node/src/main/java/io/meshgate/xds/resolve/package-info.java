/**
 * resolve: the config model at one etcd revision, plus endpoints and the key ring (as data), to the
 * IR of every proxy group. Pure and deterministic — no clock, randomness or I/O; output sorted —
 * and local about failure: a resource that cannot be resolved becomes a {@link
 * io.meshgate.xds.ir.Problem} and, where traffic would reach it, a 500 answer; everything else
 * still translates. Never imports Envoy types.
 */
package io.meshgate.xds.resolve;
