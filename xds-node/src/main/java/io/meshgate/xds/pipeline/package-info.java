/**
 * pipeline: the conductor of one replica's translation. Its inputs, each an immutable snapshot that
 * wakes the holdoff: the config (config-store's view), the endpoints (discovery; today those the
 * config lists itself) and the key material ({@code keys.KeyRing}, from {@code keys.KeyLoader}). A
 * holdoff rebuilds after a quiet period and coalesces bursts; {@link
 * io.meshgate.xds.pipeline.SnapshotBuilder} runs resolve, the envoy stage and the snapshot packing
 * for each changed group. Imports no Envoy types.
 */
package io.meshgate.xds.pipeline;
