package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.ResourceKey;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one record: decode, read, plan, set a rejected record aside, then the guarded
 * transaction, retried until it lands. A record whose offset etcd already holds is skipped: that is
 * what makes redelivery, replays and rebalances harmless.
 */
final class RecordApplier {
  private static final Logger log = LoggerFactory.getLogger(RecordApplier.class);

  /** Where rejected records are copied for operators (the rejected topic). */
  interface RejectedSink {
    void copy(IncomingRecord record, List<Reason> reasons);
  }

  private final AppliedLog applied;
  private final Planner planner;
  private final Applier.Hooks hooks;
  private final RejectedSink rejected;

  RecordApplier(AppliedLog applied, Planner planner, Applier.Hooks hooks, RejectedSink rejected) {
    this.applied = requireNonNull(applied, "applied");
    this.planner = requireNonNull(planner, "planner");
    this.hooks = requireNonNull(hooks, "hooks");
    this.rejected = requireNonNull(rejected, "rejected");
  }

  void apply(IncomingRecord record) {
    DecodedEvent event = EventDecoder.decode(record);
    boolean copied = false;
    while (true) {
      AppliedLog.StoredOffset stored = applied.offset(record.topic(), record.partition());
      if (stored.offset() >= record.offset()) {
        hooks.skipped(record);
        return;
      }
      Map<ResourceKey, Current> current = applied.current(Planner.keysOf(event));
      Plan plan = planner.plan(event, current);
      if (plan.rejected() && !copied) {
        // Before the transaction: if we crash after it, the copy is already made (at least once).
        rejected.copy(record, reasons(event, plan));
        copied = true;
      }
      if (applied.commit(
          record.topic(), record.partition(), record.offset(), stored, current, plan)) {
        report(record, event, plan);
        hooks.afterTransaction(record);
        return;
      }
      // A guard failed: another applier (during a rebalance) or a user's write moved something.
    }
  }

  private static List<Reason> reasons(DecodedEvent event, Plan plan) {
    if (event instanceof DecodedEvent.Rejected rejectedEvent) {
      return rejectedEvent.reasons();
    }
    return plan.outcomes().values().stream()
        .filter(o -> o.outcome() == Outcome.REJECTED)
        .flatMap(o -> o.reasons().stream())
        .distinct()
        .toList();
  }

  private static void report(IncomingRecord record, DecodedEvent event, Plan plan) {
    if (plan.duplicate()) {
      log.debug(
          "{} {}@{}: duplicate of an applied event",
          event.meta().id(),
          record.topic(),
          record.offset());
      return;
    }
    for (Map.Entry<ResourceKey, EventRecord> outcome : plan.outcomes().entrySet()) {
      if (outcome.getValue().outcome() == Outcome.REJECTED) {
        log.info(
            "rejected {} (event {}): {}",
            outcome.getKey(),
            event.meta().id(),
            outcome.getValue().reasons());
      } else {
        log.debug(
            "{} {} (event {}, generation {})",
            outcome.getValue().outcome(),
            outcome.getKey(),
            event.meta().id(),
            outcome.getValue().generation());
      }
    }
    if (plan.outcomes().isEmpty() && plan.rejected()) {
      log.info(
          "rejected record {}/{}@{} naming no resource: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          ((DecodedEvent.Rejected) event).reasons());
    }
  }
}
