package io.meshgate.bench.fleet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Where one config change's propagation went (issue 24 §5), each figure in milliseconds since the
 * change's Kafka record timestamp. From the replica's {@code /metrics}, read before the change was
 * published and after every client ACKed it (the differences are this change's alone, as the bench
 * publishes nothing else meanwhile): its age when its etcd transaction committed ({@code applied}),
 * when the replica's watch told it ({@code seen}) and when a build containing it was published
 * ({@code built}) — {@code meshgate_config_event_age_seconds{stage}}, one observation each, so the
 * sum is the age —; the builds and their time over the window ({@code
 * meshgate_pipeline_builds_total}, {@code meshgate_pipeline_build_seconds}), and of that time what
 * resolve, translate, validate and pack took ({@code meshgate_pipeline_build_stage_seconds}; the
 * rest is publishing, which includes the sends to every stream of a changed group); the route
 * pushes' queue time ({@code meshgate_xds_push_queue_seconds{type="RouteConfiguration"}}: mean and
 * the bucket holding the p99); convergence ({@code meshgate_config_convergence_seconds}: one
 * observation per stream, mean and the buckets holding p50 and p99). From the bench's clients,
 * which ACK each response at once and note when: the first ACK (the first push as a client got it),
 * p50, p99 and the last.
 */
record Trail(
    double applied,
    double seen,
    double built,
    double ageObservations,
    double builds,
    double buildMs,
    double stagesMs,
    double pushes,
    double pushQueueMeanMs,
    double pushQueueP99BoundMs,
    double convergenceCount,
    double convergenceMeanMs,
    double convergenceP50BoundMs,
    double convergenceP99BoundMs,
    double firstAck,
    double p50Ack,
    double p99Ack,
    double lastAck) {

  private static final String AGE = "meshgate_config_event_age_seconds";
  private static final String CONVERGENCE = "meshgate_config_convergence_seconds";
  private static final String PUSH_QUEUE = "meshgate_xds_push_queue_seconds";
  private static final String ROUTE = "type=\"RouteConfiguration\"";

  /**
   * The trail of the change published at {@code publishedMicros} (its record timestamp) that the
   * {@code n} clients ACKed at {@code acks}; waits (at most 10 s) until the replica has counted the
   * convergence of all {@code n} streams.
   */
  static Trail of(int adminPort, ReplicaScrape before, int n, List<Long> acks, long publishedMicros)
      throws Exception {
    ReplicaScrape after = ReplicaScrape.of(adminPort);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (after.since(before, CONVERGENCE, null).count() < n && System.nanoTime() < deadline) {
      Thread.sleep(100);
      after = ReplicaScrape.of(adminPort);
    }
    var applied = after.since(before, AGE, "stage=\"applied\"");
    var seen = after.since(before, AGE, "stage=\"seen\"");
    var built = after.since(before, AGE, "stage=\"built\"");
    var push = after.since(before, PUSH_QUEUE, ROUTE);
    var convergence = after.since(before, CONVERGENCE, null);
    var build = after.since(before, "meshgate_pipeline_build_seconds", null);
    double[] ms =
        acks.stream()
            .mapToDouble(a -> Math.max(0, a - publishedMicros) / 1000.0)
            .sorted()
            .toArray();
    return new Trail(
        applied.meanMs(),
        seen.meanMs(),
        built.meanMs(),
        Math.max(applied.count(), Math.max(seen.count(), built.count())),
        after.value("meshgate_pipeline_builds_total", null)
            - before.value("meshgate_pipeline_builds_total", null),
        build.sumSeconds() * 1000,
        after.since(before, "meshgate_pipeline_build_stage_seconds", null).sumSeconds() * 1000,
        push.count(),
        push.meanMs(),
        push.boundMs(0.99),
        convergence.count(),
        convergence.meanMs(),
        convergence.boundMs(0.5),
        convergence.boundMs(0.99),
        ms[0],
        rank(ms, 0.5),
        rank(ms, 0.99),
        ms[ms.length - 1]);
  }

  private static double rank(double[] sorted, double quantile) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)];
  }

  @Override
  public String toString() {
    return String.format(
        "applied %.0f ms, seen %.0f, built %.0f (ages, %.0f observation(s) per stage; %.0f"
            + " build(s), %.1f ms building, of which %.1f ms in resolve, translate, validate and pack); first ACK %.0f, p50 %.0f, p99 %.0f, last %.0f"
            + " (clients); route pushes %.0f, queue mean %.1f ms, p99 <= %.0f; convergence %.0f"
            + " streams, mean %.0f ms, p50 <= %.0f, p99 <= %.0f (replica)",
        applied,
        seen,
        built,
        ageObservations,
        builds,
        buildMs,
        stagesMs,
        firstAck,
        p50Ack,
        p99Ack,
        lastAck,
        pushes,
        pushQueueMeanMs,
        pushQueueP99BoundMs,
        convergenceCount,
        convergenceMeanMs,
        convergenceP50BoundMs,
        convergenceP99BoundMs);
  }

  /** Median and largest of each stage over the changes of a row. */
  static String summary(String row, List<Trail> trails) {
    List<String> parts = new ArrayList<>();
    parts.add(stage("applied", trails, Trail::applied));
    parts.add(stage("seen", trails, Trail::seen));
    parts.add(stage("built", trails, Trail::built));
    parts.add(stage("first ACK", trails, Trail::firstAck));
    parts.add(stage("p50 ACK", trails, Trail::p50Ack));
    parts.add(stage("p99 ACK", trails, Trail::p99Ack));
    parts.add(stage("last ACK", trails, Trail::lastAck));
    parts.add(stage("builds", trails, Trail::builds));
    parts.add(stage("build ms", trails, Trail::buildMs));
    parts.add(stage("of which stages ms", trails, Trail::stagesMs));
    return "trail "
        + row
        + ", median / largest over "
        + trails.size()
        + " changes (ms since the record): "
        + String.join("; ", parts);
  }

  private static String stage(String name, List<Trail> trails, ToDoubleFunction<Trail> figure) {
    double[] values = trails.stream().mapToDouble(figure).sorted().toArray();
    double median =
        values.length % 2 == 1
            ? values[values.length / 2]
            : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    return String.format(
        "%s %.0f / %.0f", name, median, Arrays.stream(values).max().orElse(Double.NaN));
  }
}
