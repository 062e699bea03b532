/**
 * ingest: what the pipeline reacts to — config snapshots from config-store's view, endpoint
 * snapshots from discovery — and when: a holdoff that rebuilds at once after a quiet period and
 * coalesces bursts. Imports no Envoy types.
 */
package io.meshgate.xds.ingest;
