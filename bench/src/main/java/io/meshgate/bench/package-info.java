/**
 * Benchmarks: JMH for translation and encoding, simulated Envoy fleets for serving. Figures are
 * ratios against a baseline measured in the same run; they go to docs/benchmarks.md, never into a
 * test's pass/fail.
 */
package io.meshgate.bench;
