package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.AppliedOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one record: decode, read, plan, set a rejected record aside, then the guarded
 * transaction, retried until it lands. A record whose offset etcd already holds is skipped: that is
 * what makes redelivery, replays and rebalances harmless. An outage of etcd escapes as {@link
 * EtcdUnavailableException} (the applier pauses and retries); a request etcd refuses as such ends
 * the event Rejected, since a retry would be refused too.
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

  /** How a record ended, and how long its landed transaction took (0 when skipped). */
  record Done(AppliedEvent.Result result, long transactionNanos) {}

  Done apply(IncomingRecord record) {
    DecodedEvent event = EventDecoder.decode(record);
    boolean copied = false;
    Optional<String> traceparent = Optional.empty();
    boolean traced = false;
    while (true) {
      AppliedLog.StoredOffset stored = applied.offset(record.topic(), record.partition());
      if (stored.offset() >= record.offset()) {
        hooks.skipped(record);
        return new Done(AppliedEvent.Result.SKIPPED, 0);
      }
      if (!traced) {
        // Once per record, not per guard retry: a tracer starts its apply span here.
        traceparent = hooks.traceparent(record).flatMap(AppliedOffset::traceparent);
        traced = true;
      }
      PartitionOffset at =
          new PartitionOffset(
              record.topic(),
              record.partition(),
              new AppliedOffset(record.offset(), record.timestamp(), traceparent),
              stored.modRevision());
      Map<ResourceKey, Current> current = Map.of();
      Plan plan = null;
      Plan landed;
      long transactionStarted = System.nanoTime();
      try {
        current = applied.current(Planner.keysOf(event));
        plan = planner.plan(event, current, at);
        copied |= copyIfRejected(record, event, plan, copied);
        transactionStarted = System.nanoTime();
        landed = applied.commit(plan) ? plan : null;
      } catch (EtcdRefusedException refusal) {
        // etcd refused the request itself: the same request would be refused again, so the event
        // ends Rejected, with etcd's answer, and the partition moves on.
        List<Reason> reasons = List.of(reason(event, plan, refusal));
        log.warn(
            "etcd refused a request for event {} ({}/{}@{}): {}",
            event.meta().id(),
            record.topic(),
            record.partition(),
            record.offset(),
            refusal.getMessage());
        Plan rejection =
            plan == null
                ? planner.unrecorded(at) // the refused request was a read: nothing was read
                : planner.refuse(event, current, at, reasons);
        copied |= copyIfRejected(record, event, rejection, copied, reasons);
        transactionStarted = System.nanoTime();
        landed = commitRejection(rejection, at);
      }
      if (landed != null) {
        long transactionNanos = System.nanoTime() - transactionStarted;
        report(record, event, landed);
        hooks.afterTransaction(record);
        return new Done(result(landed), transactionNanos);
      }
      // A guard failed: another applier (during a rebalance) or a user's write moved something.
    }
  }

  private static AppliedEvent.Result result(Plan landed) {
    if (landed.rejected()) {
      return AppliedEvent.Result.REJECTED;
    }
    return landed.duplicate() ? AppliedEvent.Result.DUPLICATE : AppliedEvent.Result.ACCEPTED;
  }

  /**
   * Commits a rejection; if etcd refuses that too (its limits are below the planner's), records the
   * offset alone, which any etcd takes. An etcd that refuses even that cannot apply anything: that
   * is treated as an outage, paused and retried, and logged for the operator.
   *
   * @return the plan that landed, or null when a guard failed
   */
  private @Nullable Plan commitRejection(Plan rejection, PartitionOffset at) {
    Plan attempt = rejection;
    while (true) {
      try {
        return applied.commit(attempt) ? attempt : null;
      } catch (EtcdRefusedException again) {
        if (attempt.writes().size() == 1) {
          throw new EtcdUnavailableException(
              "etcd refuses even a transaction that writes one partition offset ("
                  + again.getMessage()
                  + "); check etcd's --max-txn-ops and --max-request-bytes",
              again);
        }
        log.warn(
            "etcd refused the rejection too ({}); recording the offset only", again.getMessage());
        attempt = planner.unrecorded(at);
      }
    }
  }

  private static Reason reason(DecodedEvent event, Plan refusedPlan, EtcdRefusedException e) {
    String subject = Planner.subject(event);
    String needs = "";
    if (refusedPlan != null) {
      TxnCost cost = refusedPlan.cost();
      needs =
          " (it needs "
              + cost.operations()
              + " operations, "
              + cost.comparisons()
              + " comparisons and "
              + TxnCost.size(cost.bytes())
              + ")";
    }
    String advice =
        switch (e.why()) {
          case TOO_MANY_OPERATIONS ->
              "; etcd's --max-txn-ops is lower than meshgate's "
                  + EtcdLimits.MAX_TXN_OPS_ENV
                  + ": split the changeset, and set "
                  + EtcdLimits.MAX_TXN_OPS_ENV
                  + " to etcd's value";
          case TOO_LARGE ->
              "; etcd's --max-request-bytes is lower than meshgate's "
                  + EtcdLimits.MAX_REQUEST_BYTES_ENV
                  + ": make it smaller, and set "
                  + EtcdLimits.MAX_REQUEST_BYTES_ENV
                  + " to etcd's value";
          case OTHER -> "";
        };
    return new Reason(
        "", "etcd refused the transaction for " + subject + needs + ": " + e.getMessage() + advice);
  }

  /** Copies a rejected record to the rejected topic once, before its transaction. */
  private boolean copyIfRejected(
      IncomingRecord record, DecodedEvent event, Plan plan, boolean copied) {
    return copyIfRejected(record, event, plan, copied, reasons(event, plan));
  }

  private boolean copyIfRejected(
      IncomingRecord record, DecodedEvent event, Plan plan, boolean copied, List<Reason> reasons) {
    if (!plan.rejected() || copied) {
      return false;
    }
    // Before the transaction: if we crash after it, the copy is already made (at least once).
    rejected.copy(record, reasons);
    return true;
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
          "rejected record {}/{}@{} (event {}), recorded on no resource: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          event.meta().id(),
          event instanceof DecodedEvent.Rejected r ? r.reasons() : "see the warning above");
    }
  }
}
