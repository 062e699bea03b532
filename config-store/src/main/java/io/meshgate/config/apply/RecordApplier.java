package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.AppliedOffset;
import io.meshgate.config.store.Keyspace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies records: decode, read, plan, set a rejected record aside, then the guarded transaction,
 * retried until it lands. {@link #applyAll} applies a poll's consecutive records of one partition
 * in as few transactions as etcd's limits and the records' keys allow ({@link Batch}); {@link
 * #applyPoll} those of several partitions, their batches sharing transactions; {@link #apply} one
 * record alone. Each partition's stored offset is kept from the answer of the transaction that
 * wrote it, so a batch after the first reads no offset (its guard still catches one that moved). A
 * record whose offset etcd already holds is skipped: that is what makes redelivery, replays and
 * rebalances harmless. An outage of etcd escapes as {@link EtcdUnavailableException} (the applier
 * pauses and retries); a request etcd refuses as such ends the event Rejected, since a retry would
 * be refused too.
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

  /**
   * The trace context each record in flight stores, by position: asked of the hooks once per
   * record, kept while etcd retries and guards fail, dropped once the record is done.
   */
  private final Map<String, Optional<String>> traces = new HashMap<>();

  /** Past this many records in flight (records of revoked partitions never done), start over. */
  private static final int MAX_TRACES = 10_000;

  /**
   * Each partition's stored offset as this applier last read or wrote it (the mod revision from the
   * answer of the transaction that wrote it), by offset key: the next batch's offset guard without
   * a read. It is only a guess: should another applier have moved the offset (a rebalance), the
   * guard fails and the partition's entry is forgotten.
   */
  private final Map<String, AppliedLog.StoredOffset> lastKnown = new HashMap<>();

  RecordApplier(AppliedLog applied, Planner planner, Applier.Hooks hooks, RejectedSink rejected) {
    this.applied = requireNonNull(applied, "applied");
    this.planner = requireNonNull(planner, "planner");
    this.hooks = requireNonNull(hooks, "hooks");
    this.rejected = requireNonNull(rejected, "rejected");
  }

  /** How a record ended, and how long its landed transaction took (0 when skipped). */
  record Done(AppliedEvent.Result result, long transactionNanos) {}

  /** Hears each record of {@link #applyAll} as it is done, in order. */
  interface Finished {
    void done(IncomingRecord record, Done done);
  }

  /**
   * Applies consecutive records of one partition, in order, each exactly once, and reports each as
   * soon as the transaction that holds it lands. Records are batched: as many consecutive records
   * as touch disjoint keys and fit etcd's limits together go in one transaction that records the
   * last one's offset. Should etcd refuse a batch's request as such, its records are applied one by
   * one, so that only the record etcd refuses ends Rejected for it.
   *
   * @throws EtcdUnavailableException when etcd does not answer; the records reported before stay
   *     applied, the others are not
   */
  void applyAll(List<IncomingRecord> records, Finished finished) {
    Set<Long> copied = new HashSet<>();
    // Decoded once: a record that does not fit one batch is looked at again for the next.
    Map<Long, DecodedEvent> decoded = new HashMap<>();
    int next = 0;
    try {
      while (next < records.size()) {
        next = applyBatch(records, next, finished, copied, decoded);
      }
    } catch (EtcdUnavailableException e) {
      // A transaction may have landed without its answer: what this applier knew is stale.
      forget(records.get(0));
      throw e;
    }
    records.forEach(r -> traces.remove(r.position()));
  }

  /**
   * Applies a poll's records of several partitions as {@link #applyAll} does for one, with the
   * batches of different partitions in one transaction: each partition's consecutive records, each
   * partition with its own offset guard and offset write, every record's plan as if alone, on keys
   * no other record of the transaction touches, within etcd's limits. A partition whose next record
   * touches a key that another partition's batch holds waits for the next transaction; so does one
   * that would pass the limits. Should etcd refuse such a transaction as such, the rest of the poll
   * is applied one partition at a time, as {@link #applyAll} does.
   *
   * @param partitions each partition's records of the poll, in order; one list per partition
   * @throws EtcdUnavailableException when etcd does not answer; the records reported before stay
   *     applied, the others are not
   */
  void applyPoll(List<List<IncomingRecord>> partitions, Finished finished) {
    List<List<IncomingRecord>> poll = partitions.stream().filter(r -> !r.isEmpty()).toList();
    if (poll.size() <= 1) {
      poll.forEach(records -> applyAll(records, finished));
      return;
    }
    int[] next = new int[poll.size()];
    List<Set<Long>> copied = new ArrayList<>();
    List<Map<Long, DecodedEvent>> decoded = new ArrayList<>();
    for (int p = 0; p < poll.size(); p++) {
      copied.add(new HashSet<>());
      decoded.add(new HashMap<>());
    }
    boolean together = true;
    try {
      while (true) {
        List<Integer> open = new ArrayList<>();
        for (int p = 0; p < poll.size(); p++) {
          if (next[p] < poll.get(p).size()) {
            open.add(p);
          }
        }
        if (open.isEmpty()) {
          break;
        }
        if (together && open.size() > 1) {
          together = applyTogether(poll, open, next, finished, copied, decoded);
        } else {
          int p = open.get(0);
          next[p] = applyBatch(poll.get(p), next[p], finished, copied.get(p), decoded.get(p));
        }
      }
    } catch (EtcdUnavailableException e) {
      poll.forEach(records -> forget(records.get(0)));
      throw e;
    }
    poll.forEach(records -> records.forEach(r -> traces.remove(r.position())));
  }

  /**
   * One attempt at a transaction for the open partitions' next records; advances {@code next} past
   * the records done (none when a guard failed).
   *
   * @return false when etcd refused the transaction (nothing of it landed): apply the rest one
   *     partition at a time
   */
  private boolean applyTogether(
      List<List<IncomingRecord>> poll,
      List<Integer> open,
      int[] next,
      Finished finished,
      List<Set<Long>> copied,
      List<Map<Long, DecodedEvent>> decoded) {
    Map<Integer, AppliedLog.StoredOffset> stored = new HashMap<>();
    for (int p : open) {
      List<IncomingRecord> records = poll.get(p);
      AppliedLog.StoredOffset offset = storedOffset(records.get(next[p]));
      while (next[p] < records.size() && records.get(next[p]).offset() <= offset.offset()) {
        hooks.skipped(records.get(next[p]));
        finished.done(records.get(next[p]), new Done(AppliedEvent.Result.SKIPPED, 0));
        next[p]++;
      }
      stored.put(p, offset);
    }
    // Which records may share the transaction: each partition's consecutive records, on keys no
    // record before them (of any partition) touches; as many as etcd's operations, in all.
    Map<Integer, List<IncomingRecord>> candidates = new LinkedHashMap<>();
    Map<Integer, List<DecodedEvent>> events = new HashMap<>();
    List<ResourceKey> keys = new ArrayList<>();
    Set<ResourceKey> seen = new HashSet<>();
    int count = 0;
    for (int p : open) {
      List<IncomingRecord> records = poll.get(p);
      Map<Long, DecodedEvent> decodedHere = decoded.get(p);
      for (int i = next[p]; i < records.size() && count < planner.limits().maxTxnOps(); i++) {
        IncomingRecord candidate = records.get(i);
        DecodedEvent event =
            decodedHere.computeIfAbsent(candidate.offset(), o -> EventDecoder.decode(candidate));
        List<ResourceKey> touched = Planner.keysOf(event);
        if (touched.stream().anyMatch(seen::contains)) {
          break;
        }
        candidates.computeIfAbsent(p, x -> new ArrayList<>()).add(candidate);
        events.computeIfAbsent(p, x -> new ArrayList<>()).add(event);
        count++;
        for (ResourceKey key : touched) {
          if (seen.add(key)) {
            keys.add(key);
          }
        }
      }
    }
    if (candidates.isEmpty()) {
      return true; // every open partition's records were skipped
    }
    List<Batch> batches = new ArrayList<>();
    List<Integer> batchPartitions = new ArrayList<>();
    List<IncomingRecord> planned = new ArrayList<>();
    OptionalLong landed;
    long transactionStarted;
    try {
      Map<ResourceKey, Current> current = applied.current(keys);
      TxnCost besides = new TxnCost(0, 0, 0);
      for (Map.Entry<Integer, List<IncomingRecord>> entry : candidates.entrySet()) {
        int p = entry.getKey();
        Batch batch = new Batch(planner.limits(), besides);
        long timestamp = AppliedOffset.NO_TIMESTAMP;
        for (int i = 0; i < entry.getValue().size(); i++) {
          IncomingRecord record = entry.getValue().get(i);
          timestamp = oldest(timestamp, record.timestamp());
          DecodedEvent event = events.get(p).get(i);
          List<ResourceKey> touched = Planner.keysOf(event);
          Map<ResourceKey, Current> read = new LinkedHashMap<>();
          touched.forEach(k -> read.put(k, current.get(k)));
          Plan plan = planner.plan(event, read, offsetOf(record, stored.get(p), timestamp));
          if (!batch.add(record, touched, plan)) {
            break;
          }
        }
        if (batch.isEmpty()) {
          continue;
        }
        batches.add(batch);
        batchPartitions.add(p);
        besides = besides.plus(batch.cost());
        for (int i = 0; i < batch.size(); i++) {
          IncomingRecord record = batch.records().get(i);
          if (!copied.get(p).contains(record.offset())
              && copyIfRejected(record, events.get(p).get(i), batch.plans().get(i), false)) {
            copied.get(p).add(record.offset());
          }
          planned.add(record);
        }
      }
      hooks.planned(planned);
      transactionStarted = System.nanoTime();
      landed = applied.commit(Batch.together(batches));
    } catch (EtcdRefusedException refusal) {
      log.warn(
          "etcd refused a transaction of {} partitions' records ({}): {}; applying them one"
              + " partition at a time",
          candidates.size(),
          planned.isEmpty() ? "a read" : planned.size() + " records",
          refusal.getMessage());
      return false;
    }
    if (landed.isEmpty()) {
      // A guard failed: read the offsets and the state again and replan; what landed meanwhile
      // (another applier's transaction, during a rebalance) is skipped.
      batchPartitions.forEach(p -> forget(poll.get(p).get(0)));
      return true;
    }
    long transactionNanos = System.nanoTime() - transactionStarted;
    for (int b = 0; b < batches.size(); b++) {
      Batch batch = batches.get(b);
      int p = batchPartitions.get(b);
      remember(batch.records().get(batch.size() - 1), landed.getAsLong());
      for (int i = 0; i < batch.size(); i++) {
        IncomingRecord record = batch.records().get(i);
        Plan plan = batch.plans().get(i);
        report(record, events.get(p).get(i), plan);
        hooks.afterTransaction(record);
        finished.done(record, new Done(result(plan), transactionNanos));
      }
      next[p] += batch.size();
    }
    return true;
  }

  /** Forgets every partition's stored offset: the next batch of each reads it from etcd. */
  void forgetOffsets() {
    lastKnown.clear();
  }

  /**
   * The stored offset of {@code head}'s partition, for a batch that starts with it: as this applier
   * last knew it if that is below head's offset (the usual case: head is the next record after the
   * last batch), else read from etcd. A record is never skipped on what the applier remembers, only
   * on what it just read; a remembered offset that etcd no longer holds fails the batch's offset
   * guard (its mod revision moved) and is forgotten.
   */
  private AppliedLog.StoredOffset storedOffset(IncomingRecord head) {
    String key = Keyspace.offset(head.topic(), head.partition());
    AppliedLog.StoredOffset known = lastKnown.get(key);
    if (known != null && known.offset() < head.offset()) {
      return known;
    }
    AppliedLog.StoredOffset read = applied.offset(head.topic(), head.partition());
    lastKnown.put(key, read);
    return read;
  }

  /** A transaction that ends with {@code last} landed at {@code revision}. */
  private void remember(IncomingRecord last, long revision) {
    lastKnown.put(
        Keyspace.offset(last.topic(), last.partition()),
        new AppliedLog.StoredOffset(last.offset(), revision));
  }

  private void forget(IncomingRecord record) {
    lastKnown.remove(Keyspace.offset(record.topic(), record.partition()));
  }

  /**
   * One attempt at the batch that starts at {@code from}.
   *
   * @return the index of the first record not yet done (the same {@code from} when a guard failed)
   */
  private int applyBatch(
      List<IncomingRecord> records,
      int from,
      Finished finished,
      Set<Long> copied,
      Map<Long, DecodedEvent> decoded) {
    IncomingRecord head = records.get(from);
    AppliedLog.StoredOffset stored = storedOffset(head);
    while (from < records.size() && records.get(from).offset() <= stored.offset()) {
      hooks.skipped(records.get(from));
      finished.done(records.get(from), new Done(AppliedEvent.Result.SKIPPED, 0));
      from++;
    }
    if (from == records.size()) {
      return from;
    }
    // Which records may share the transaction: consecutive, on keys no earlier one touches.
    List<IncomingRecord> candidates = new ArrayList<>();
    List<DecodedEvent> events = new ArrayList<>();
    List<ResourceKey> keys = new ArrayList<>();
    Set<ResourceKey> seen = new HashSet<>();
    for (int i = from;
        i < records.size() && candidates.size() < planner.limits().maxTxnOps();
        i++) {
      IncomingRecord candidate = records.get(i);
      DecodedEvent event =
          decoded.computeIfAbsent(candidate.offset(), o -> EventDecoder.decode(candidate));
      List<ResourceKey> touched = Planner.keysOf(event);
      if (!candidates.isEmpty() && touched.stream().anyMatch(seen::contains)) {
        break;
      }
      candidates.add(records.get(i));
      events.add(event);
      for (ResourceKey key : touched) {
        if (seen.add(key)) {
          keys.add(key);
        }
      }
    }
    if (candidates.size() == 1) {
      IncomingRecord alone = candidates.get(0);
      finished.done(alone, apply(alone, events.get(0), stored, copied.contains(alone.offset())));
      return from + 1;
    }
    Batch batch = new Batch(planner.limits());
    long transactionStarted;
    OptionalLong landed;
    try {
      Map<ResourceKey, Current> current = applied.current(keys);
      long timestamp = AppliedOffset.NO_TIMESTAMP;
      for (int i = 0; i < candidates.size(); i++) {
        IncomingRecord record = candidates.get(i);
        timestamp = oldest(timestamp, record.timestamp());
        DecodedEvent event = events.get(i);
        List<ResourceKey> touched = Planner.keysOf(event);
        Map<ResourceKey, Current> read = new LinkedHashMap<>();
        touched.forEach(k -> read.put(k, current.get(k)));
        Plan plan = planner.plan(event, read, offsetOf(record, stored, timestamp));
        if (!batch.add(record, touched, plan)) {
          break;
        }
      }
      for (int i = 0; i < batch.size(); i++) {
        IncomingRecord record = batch.records().get(i);
        if (!copied.contains(record.offset())
            && copyIfRejected(record, events.get(i), batch.plans().get(i), false)) {
          copied.add(record.offset());
        }
      }
      hooks.planned(batch.records());
      transactionStarted = System.nanoTime();
      landed = applied.commit(batch.merged());
    } catch (EtcdRefusedException refusal) {
      // etcd refused the batch's request as such (its limits are below meshgate's, or a read was
      // refused): nothing of it landed. One record at a time, each refusal rejects one record only.
      log.warn(
          "etcd refused a batch of {} records ({}/{}@{}): {}; applying them one by one",
          Math.max(batch.size(), candidates.size()),
          head.topic(),
          head.partition(),
          head.offset(),
          refusal.getMessage());
      int upTo = batch.isEmpty() ? candidates.size() : batch.size();
      for (int i = 0; i < upTo; i++) {
        IncomingRecord record = candidates.get(i);
        finished.done(record, apply(record, events.get(i), null, copied.contains(record.offset())));
      }
      return from + upTo;
    }
    if (landed.isEmpty()) {
      // A guard failed: another applier (during a rebalance) or a user's write moved something.
      // Read the offset and the state again and replan; what landed meanwhile is skipped.
      forget(head);
      return from;
    }
    long transactionNanos = System.nanoTime() - transactionStarted;
    remember(batch.records().get(batch.size() - 1), landed.getAsLong());
    for (int i = 0; i < batch.size(); i++) {
      IncomingRecord record = batch.records().get(i);
      Plan plan = batch.plans().get(i);
      report(record, events.get(i), plan);
      hooks.afterTransaction(record);
      finished.done(record, new Done(result(plan), transactionNanos));
    }
    return from + batch.size();
  }

  /**
   * The offset a transaction that ends with {@code record} stores: its offset and trace context
   * (asked of the hooks once per record, not per guard retry: a tracer starts its apply span
   * there), and {@code timestamp}, the oldest Kafka timestamp among the records the transaction
   * applies, so that a replica measures convergence from the oldest event a batch holds.
   */
  private PartitionOffset offsetOf(
      IncomingRecord record, AppliedLog.StoredOffset stored, long timestamp) {
    if (traces.size() > MAX_TRACES) {
      traces.clear();
    }
    Optional<String> traceparent =
        traces.computeIfAbsent(
            record.position(), p -> hooks.traceparent(record).flatMap(AppliedOffset::traceparent));
    return new PartitionOffset(
        record.topic(),
        record.partition(),
        new AppliedOffset(record.offset(), timestamp, traceparent),
        stored.modRevision());
  }

  /** The older of two Kafka timestamps, either of which may be missing. */
  private static long oldest(long a, long b) {
    if (a == AppliedOffset.NO_TIMESTAMP) {
      return b;
    }
    return b == AppliedOffset.NO_TIMESTAMP ? a : Math.min(a, b);
  }

  Done apply(IncomingRecord record) {
    try {
      return apply(record, EventDecoder.decode(record), null, false);
    } catch (EtcdUnavailableException e) {
      forget(record);
      throw e;
    } finally {
      traces.remove(record.position());
    }
  }

  /** A plan that landed, and the revision its transaction created. */
  private record Landed(Plan plan, long revision) {}

  /**
   * @param event the record, decoded
   * @param read the partition's stored offset as just read, or null to read it first
   * @param copied whether the record was copied to the rejected topic already
   */
  private Done apply(
      IncomingRecord record,
      DecodedEvent event,
      AppliedLog.@Nullable StoredOffset read,
      boolean copied) {
    AppliedLog.StoredOffset fresh = read;
    while (true) {
      // The offset read by the caller serves the first attempt only; a failed guard reads again.
      AppliedLog.StoredOffset stored =
          fresh != null ? fresh : applied.offset(record.topic(), record.partition());
      fresh = null;
      if (stored.offset() >= record.offset()) {
        hooks.skipped(record);
        return new Done(AppliedEvent.Result.SKIPPED, 0);
      }
      PartitionOffset at = offsetOf(record, stored, record.timestamp());
      Map<ResourceKey, Current> current = Map.of();
      Plan plan = null;
      Landed landed;
      long transactionStarted = System.nanoTime();
      try {
        current = applied.current(Planner.keysOf(event));
        plan = planner.plan(event, current, at);
        copied |= copyIfRejected(record, event, plan, copied);
        hooks.planned(List.of(record));
        transactionStarted = System.nanoTime();
        OptionalLong revision = applied.commit(plan);
        landed = revision.isPresent() ? new Landed(plan, revision.getAsLong()) : null;
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
        remember(record, landed.revision());
        report(record, event, landed.plan());
        hooks.afterTransaction(record);
        return new Done(result(landed.plan()), transactionNanos);
      }
      // A guard failed: another applier (during a rebalance) or a user's write moved something.
      forget(record);
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
  private @Nullable Landed commitRejection(Plan rejection, PartitionOffset at) {
    Plan attempt = rejection;
    while (true) {
      try {
        OptionalLong revision = applied.commit(attempt);
        return revision.isPresent() ? new Landed(attempt, revision.getAsLong()) : null;
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
