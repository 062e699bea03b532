package io.meshgate.xds.metrics;

import io.meshgate.config.store.AppliedOffset;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A config event's age, now less its Kafka record's timestamp, at the stages before a proxy's ACK:
 * where convergence time goes. Thread-safe.
 */
final class EventAges {
  /** Where an event is when its age is taken. */
  enum Stage {
    /** Its etcd transaction committed (on the replica whose applier applied it). */
    APPLIED,
    /** This replica's watch of the applied offsets told it. */
    SEEN,
    /** A build from a revision that contains it was published on this replica. */
    BUILT
  }

  private final Map<Stage, Timer> timers = new EnumMap<>(Stage.class);
  private final Clock clock;

  EventAges(MeterRegistry registry, Clock clock) {
    this.clock = clock;
    for (Stage stage : Stage.values()) {
      timers.put(
          stage,
          Timer.builder(NodeMetrics.EVENT_AGE)
              .description("A config event's age since its Kafka record timestamp, at each stage")
              .tag("stage", stage.name().toLowerCase())
              .serviceLevelObjectives(NodeMetrics.latencyBuckets())
              .register(registry));
    }
  }

  /** Records the age of an event whose record was written at {@code recordTimestamp} (ms). */
  void observe(Stage stage, long recordTimestamp) {
    if (recordTimestamp == AppliedOffset.NO_TIMESTAMP) {
      return;
    }
    // A producer's clock ahead of this replica's would give a negative age: count it as zero.
    timers.get(stage).record(Math.max(0, clock.millis() - recordTimestamp), TimeUnit.MILLISECONDS);
  }
}
