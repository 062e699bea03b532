/**
 * metrics: every meter of a replica, named and registered in one place ({@link
 * io.meshgate.xds.metrics.NodeMetrics}), and what implements the seams the stages tell (serve's
 * {@code ServeMetrics}, the pipeline's {@code PipelineMetrics}, the applier's hooks). Labels are
 * bounded: a type URL, a group, an outcome, a reason, a stage, a source kind, a partition; never a
 * node id, a resource name, a version or a nonce. The stages never depend on it.
 */
package io.meshgate.xds.metrics;
