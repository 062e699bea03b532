package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.ResourceKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Consecutive records of one partition, each planned on its own, as one etcd transaction: the
 * partition offset's guard once, then every record's guards; every record's writes in order, and
 * the partition offset of the last record last. Pure.
 *
 * <p>Records join only while they touch keys no earlier record of the batch touches: a record's
 * plan is made on what etcd holds, and etcd cannot say before the commit which mod revision an
 * earlier record's write will get (a resource's version, and what a {@code ce_ifrevision} is
 * compared with). So each plan stays exactly what it would be alone, and the batch is their union.
 *
 * <p>Records join only while the transaction fits the limits: a plan that would pass them closes
 * the batch before it, and starts the next one (alone it always fits, {@link Planner#plan}).
 *
 * <p>Batches of different partitions may share one transaction ({@link #together}): each keeps its
 * own offset guard and offset write, and a batch made {@linkplain #Batch(EtcdLimits, TxnCost)
 * beside others} fits the limits with them, so it may stay empty.
 */
final class Batch {
  private final EtcdLimits limits;
  private final TxnCost besides;
  private final List<IncomingRecord> records = new ArrayList<>();
  private final List<Plan> plans = new ArrayList<>();
  private final Set<ResourceKey> keys = new HashSet<>();
  private TxnCost withoutOffset = new TxnCost(0, 0, 0);
  private TxnCost cost = new TxnCost(0, 0, 0);

  Batch(EtcdLimits limits) {
    this(limits, new TxnCost(0, 0, 0));
  }

  /**
   * A batch for a transaction that holds other partitions' batches already, costing {@code
   * besides}: a record joins only if the whole transaction still fits, its first record too.
   */
  Batch(EtcdLimits limits, TxnCost besides) {
    this.limits = requireNonNull(limits, "limits");
    this.besides = requireNonNull(besides, "besides");
  }

  /** Whether a record touching {@code touched} may join: no key of the batch among them. */
  boolean disjoint(List<ResourceKey> touched) {
    for (ResourceKey key : touched) {
      if (keys.contains(key)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Adds the record and its plan (made at the record's offset, guarded on the same stored offset as
   * the batch's other plans) if the transaction still fits the limits.
   *
   * @return false, and nothing added, when the record's keys overlap the batch's or the transaction
   *     would pass the limits with it
   */
  boolean add(IncomingRecord record, List<ResourceKey> touched, Plan plan) {
    if (!disjoint(touched)) {
      return false;
    }
    TxnCost offset = offsetCost(plan);
    // Protocol buffers encode each repeated element on its own, so the costs of the parts add up
    // to the cost of the whole request exactly (BatchTest checks it against the merged plan).
    TxnCost stripped = plan.cost().minus(offset);
    TxnCost next = withoutOffset.plus(stripped).plus(offset);
    boolean alone = records.isEmpty() && besides.equals(new TxnCost(0, 0, 0));
    if (!alone && !besides.plus(next).fits(limits)) {
      return false;
    }
    records.add(record);
    plans.add(plan);
    keys.addAll(touched);
    withoutOffset = withoutOffset.plus(stripped);
    cost = next;
    return true;
  }

  boolean isEmpty() {
    return records.isEmpty();
  }

  int size() {
    return records.size();
  }

  List<IncomingRecord> records() {
    return List.copyOf(records);
  }

  List<Plan> plans() {
    return List.copyOf(plans);
  }

  /** What the batch's transaction costs, summed from its plans (without the others beside it). */
  TxnCost cost() {
    return cost;
  }

  /** The one transaction: every plan's guards and writes, one offset guard, the last offset. */
  Plan merged() {
    if (plans.isEmpty()) {
      throw new IllegalStateException("an empty batch has no transaction");
    }
    List<Plan.Guard> guards = new ArrayList<>();
    List<Plan.Write> writes = new ArrayList<>();
    Map<ResourceKey, EventRecord> outcomes = new LinkedHashMap<>();
    guards.add(plans.get(0).guards().get(0));
    for (Plan plan : plans) {
      guards.addAll(plan.guards().subList(1, plan.guards().size()));
      writes.addAll(plan.writes().subList(0, plan.writes().size() - 1));
      outcomes.putAll(plan.outcomes());
    }
    List<Plan.Write> last = plans.get(plans.size() - 1).writes();
    writes.add(last.get(last.size() - 1));
    boolean rejected = plans.stream().allMatch(Plan::rejected);
    return new Plan(guards, writes, outcomes, rejected);
  }

  /**
   * One transaction for batches of different partitions, on keys no two of them share: each batch's
   * guards (its offset guard first) and writes (its offset last), one batch after the other. Its
   * cost is the sum of theirs, as protocol buffers encode repeated elements one by one.
   */
  static Plan together(List<Batch> batches) {
    if (batches.size() == 1) {
      return batches.get(0).merged();
    }
    List<Plan.Guard> guards = new ArrayList<>();
    List<Plan.Write> writes = new ArrayList<>();
    Map<ResourceKey, EventRecord> outcomes = new LinkedHashMap<>();
    boolean rejected = true;
    for (Batch batch : batches) {
      Plan merged = batch.merged();
      guards.addAll(merged.guards());
      writes.addAll(merged.writes());
      outcomes.putAll(merged.outcomes());
      rejected &= merged.rejected();
    }
    return new Plan(guards, writes, outcomes, rejected);
  }

  /**
   * The cost of a plan's offset guard (its first guard) and offset write (its last write), as
   * {@link Planner} places them.
   */
  private static TxnCost offsetCost(Plan plan) {
    List<Plan.Write> writes = plan.writes();
    return new Plan(
            List.of(plan.guards().get(0)), List.of(writes.get(writes.size() - 1)), Map.of(), false)
        .cost();
  }
}
