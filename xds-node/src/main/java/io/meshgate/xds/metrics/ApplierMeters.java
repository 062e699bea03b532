package io.meshgate.xds.metrics;

import io.meshgate.config.apply.AppliedEvent;
import io.meshgate.config.apply.Applier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The applier's meters, told through its hooks on its thread: events by outcome, apply and etcd
 * transaction latency, and the consumer's lag per partition (a gauge per partition once assigned;
 * it keeps its last value after a rebalance takes the partition elsewhere).
 */
final class ApplierMeters implements Applier.Hooks {
  private final MeterRegistry registry;
  private final Map<AppliedEvent.Result, Counter> events = new EnumMap<>(AppliedEvent.Result.class);
  private final Timer apply;
  private final Timer transaction;
  private final Map<Integer, AtomicLong> lag = new ConcurrentHashMap<>();

  private final EventAges ages;

  ApplierMeters(MeterRegistry registry, EventAges ages) {
    this.registry = registry;
    this.ages = ages;
    for (AppliedEvent.Result result : AppliedEvent.Result.values()) {
      events.put(
          result,
          Counter.builder(NodeMetrics.APPLIER_EVENTS)
              .description("Config event records the applier is done with, by outcome")
              .tag("outcome", result.name().toLowerCase())
              .register(registry));
    }
    this.apply =
        Timer.builder(NodeMetrics.APPLIER_APPLY)
            .description("From the poll that returned a record to its etcd transaction's commit")
            .serviceLevelObjectives(NodeMetrics.latencyBuckets())
            .register(registry);
    this.transaction =
        Timer.builder(NodeMetrics.APPLIER_TRANSACTION)
            .description("The guarded etcd transaction that applies one event")
            .serviceLevelObjectives(NodeMetrics.latencyBuckets())
            .register(registry);
  }

  @Override
  public void applied(AppliedEvent event) {
    events.get(event.result()).increment();
    apply.record(event.apply());
    if (event.result() != AppliedEvent.Result.SKIPPED) {
      transaction.record(event.transaction());
      ages.observe(EventAges.Stage.APPLIED, event.recordTimestamp());
    }
  }

  @Override
  public void lag(String topic, int partition, long records) {
    lag.computeIfAbsent(
            partition,
            p -> {
              AtomicLong value = new AtomicLong();
              Gauge.builder(NodeMetrics.APPLIER_LAG, value, AtomicLong::get)
                  .description(
                      "Records of the config topic's partition the applier has not read yet")
                  .baseUnit("records")
                  .tag("partition", Integer.toString(p))
                  .register(registry);
              return value;
            })
        .set(records);
  }
}
