package io.meshgate.xds.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.apply.AppliedEvent;
import io.meshgate.config.store.AppliedOffset;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.pipeline.AppliedRecords;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An event's age is taken once per stage: when applied, and when a build first contains it. */
class EventAgesTest {
  private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

  private final TreeMap<Long, AppliedRecords.Applied> applied = new TreeMap<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SnapshotStore store = new SnapshotStore();
  private final NodeMetrics metrics =
      NodeMetrics.register(
          registry,
          (after, upTo) ->
              upTo <= after
                  ? List.of()
                  : List.copyOf(applied.subMap(after, false, upTo, true).values()),
          store,
          Optional::empty,
          Clock.fixed(NOW, ZoneOffset.UTC));

  @AfterEach
  void close() {
    metrics.close();
  }

  private void apply(long revision, long ageMillis) {
    applied.put(
        revision,
        new AppliedRecords.Applied(
            revision,
            "meshgate.config",
            0,
            revision,
            ageMillis < 0 ? AppliedOffset.NO_TIMESTAMP : NOW.toEpochMilli() - ageMillis,
            Optional.empty()));
  }

  private void build(long revision) {
    store.replaceAll(List.of(), revision);
    metrics
        .pipeline()
        .built(
            new SnapshotBuilder.Build(List.of(), new ResolvedIr(List.of(), List.of()), 0),
            Identities.empty(),
            EndpointDiscovery.Discovered.empty(),
            1_000);
  }

  private Timer stage(String stage) {
    return registry.get("meshgate.config.event.age").tag("stage", stage).timer();
  }

  @Test
  void eachEventIsAgedOnceByTheFirstBuildThatContainsIt() {
    // given events at revisions 2 and 4, 300 and 100 ms old, and one without a timestamp at 3
    apply(2, 300);
    apply(3, -1);
    apply(4, 100);

    // when builds from revisions 2, 2 again and 5 are published
    build(2);
    build(2);
    build(5);

    // then each timestamped event was aged once, when first built
    assertThat(stage("built").count()).isEqualTo(2);
    assertThat(stage("built").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(400);
  }

  @Test
  void anAppliedEventIsAgedAtItsCommitButASkippedRecordIsNot() {
    metrics
        .applier()
        .applied(
            new AppliedEvent(
                "meshgate.config",
                0,
                NOW.toEpochMilli() - 50,
                AppliedEvent.Result.ACCEPTED,
                Duration.ofMillis(20),
                Duration.ofMillis(5)));
    metrics
        .applier()
        .applied(
            new AppliedEvent(
                "meshgate.config",
                0,
                NOW.toEpochMilli() - 50,
                AppliedEvent.Result.SKIPPED,
                Duration.ofMillis(1),
                Duration.ZERO));

    assertThat(stage("applied").count()).isEqualTo(1);
    assertThat(stage("applied").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(50);
    assertThat(registry.get("meshgate.applier.events").tag("outcome", "skipped").counter().count())
        .isEqualTo(1);
  }
}
