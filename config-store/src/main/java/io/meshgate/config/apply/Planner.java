package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.HistoryEntry;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoredValues;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Decides what an event changes, given what etcd holds. Pure apart from the injected clock and uid
 * source: no I/O, so every rule of exactly-once application is a unit test.
 *
 * <ul>
 *   <li>An event id already recorded for a resource is a duplicate: nothing changes.
 *   <li>The generation starts at 1 with a new uid, and grows only when the spec changes; labels or
 *       annotations alone rewrite the resource under the same generation.
 *   <li>A stale {@code ce_ifrevision} is rejected; a rejected update leaves the stored resource.
 *   <li>A changeset is planned item by item on the state the earlier items leave.
 *   <li>A plan whose transaction etcd would refuse (too many operations, too many bytes: {@link
 *       EtcdLimits}) is replaced by a rejection that names the numbers: a retry cannot make it fit,
 *       and the partition must move on.
 * </ul>
 */
public final class Planner {
  static final String ACCEPTED = "Accepted";

  private final Clock clock;
  private final Supplier<String> uids;
  private final int historyLimit;
  private final EtcdLimits limits;

  /** The default history: the last {@value #DEFAULT_HISTORY} generations of each resource. */
  public static final int DEFAULT_HISTORY = 10;

  /** With the default history and etcd's default limits. */
  public Planner(Clock clock, Supplier<String> uids) {
    this(clock, uids, DEFAULT_HISTORY, EtcdLimits.defaults());
  }

  /**
   * @param historyLimit how many generations of each resource's current life are kept under {@code
   *     /meshgate/v1/history/} (at least 1)
   * @param limits what etcd takes in one transaction
   */
  public Planner(Clock clock, Supplier<String> uids, int historyLimit, EtcdLimits limits) {
    this.clock = requireNonNull(clock, "clock");
    this.uids = requireNonNull(uids, "uids");
    if (historyLimit < 1) {
      throw new IllegalArgumentException("historyLimit: " + historyLimit + " (expected: >= 1)");
    }
    this.historyLimit = historyLimit;
    this.limits = requireNonNull(limits, "limits");
  }

  public EtcdLimits limits() {
    return limits;
  }

  /** The keys whose current state {@link #plan} needs. */
  public static List<ResourceKey> keysOf(DecodedEvent event) {
    if (event instanceof DecodedEvent.Applied applied) {
      return List.of(applied.resource().key());
    } else if (event instanceof DecodedEvent.Deleted deleted) {
      return List.of(deleted.key());
    } else if (event instanceof DecodedEvent.Changeset changeset) {
      List<ResourceKey> keys = new ArrayList<>();
      changeset.resources().forEach(r -> keys.add(r.key()));
      keys.addAll(changeset.deletes());
      return keys;
    } else {
      return ((DecodedEvent.Rejected) event).subjects();
    }
  }

  /**
   * The transaction that applies {@code event} at {@code at}, given what etcd holds for {@link
   * #keysOf the event's keys}. It always fits {@link #limits()}: an event whose effect does not is
   * planned as a rejection that says why.
   */
  public Plan plan(DecodedEvent event, Map<ResourceKey, Current> current, PartitionOffset at) {
    Plan plan = effect(event, current, at);
    if (plan.rejected() || plan.duplicate()) {
      return plan;
    }
    List<Reason> tooLarge = plan.cost().problems(limits, subject(event));
    return tooLarge.isEmpty() ? plan : refuse(event, current, at, tooLarge);
  }

  /**
   * Why {@link #plan} would reject the event for etcd's limits; empty when its transaction fits,
   * and when it is rejected for another reason or a duplicate. What {@code meshgate apply --atomic}
   * checks before publishing.
   */
  public List<Reason> limitProblems(
      DecodedEvent event, Map<ResourceKey, Current> current, PartitionOffset at) {
    Plan plan = effect(event, current, at);
    if (plan.rejected() || plan.duplicate()) {
      return List.of();
    }
    return plan.cost().problems(limits, subject(event));
  }

  /** The event's effect, before etcd's limits are considered. */
  private Plan effect(DecodedEvent event, Map<ResourceKey, Current> current, PartitionOffset at) {
    String now = now();
    State state = new State(current);
    DecodedEvent.Meta meta = event.meta();
    if (keysOf(event).stream().anyMatch(k -> state.get(k).statusOrEmpty().hasEvent(meta.id()))) {
      return state.plan(false, at);
    }
    if (event instanceof DecodedEvent.Rejected rejected) {
      rejected.subjects().forEach(k -> state.reject(k, meta, rejected.reasons(), now));
      return fitting(state.plan(true, at), event, current, at, rejected.reasons());
    }
    if (event instanceof DecodedEvent.Applied applied) {
      Resource resource = applied.resource();
      List<Reason> stale = stale(meta, state.get(resource.key()));
      if (!stale.isEmpty()) {
        return refuse(event, current, at, stale);
      }
      state.apply(resource, meta, now);
    } else if (event instanceof DecodedEvent.Deleted deleted) {
      List<Reason> stale = stale(meta, state.get(deleted.key()));
      if (!stale.isEmpty()) {
        return refuse(event, current, at, stale);
      }
      state.delete(deleted.key(), meta, now);
    } else if (event instanceof DecodedEvent.Changeset changeset) {
      changeset.resources().forEach(r -> state.apply(r, meta, now));
      changeset.deletes().forEach(k -> state.delete(k, meta, now));
    }
    return state.plan(false, at);
  }

  /**
   * The event ends Rejected for {@code reasons}, recorded on the status of each resource it names.
   * Used for stale revisions, for effects too large for etcd, and when etcd itself refused the
   * event's transaction. The rejection always fits {@link #limits()}: when even the statuses do
   * not, it is recorded on as many resources as fit (the reasons say so), down to none (then the
   * rejected topic and the log keep it).
   */
  public Plan refuse(
      DecodedEvent event,
      Map<ResourceKey, Current> current,
      PartitionOffset at,
      List<Reason> reasons) {
    State state = new State(current);
    keysOf(event).forEach(k -> state.reject(k, event.meta(), reasons, now()));
    return fitting(state.plan(true, at), event, current, at, reasons);
  }

  /**
   * A rejection recorded on no status, only the partition's offset: for an event whose resources
   * cannot even be read or whose statuses etcd refuses. The rejected topic and the log keep it.
   */
  public Plan unrecorded(PartitionOffset at) {
    return new State(Map.of()).plan(true, at);
  }

  /** The rejection plan if it fits; otherwise the same rejection recorded on fewer resources. */
  private Plan fitting(
      Plan rejection,
      DecodedEvent event,
      Map<ResourceKey, Current> current,
      PartitionOffset at,
      List<Reason> reasons) {
    if (rejection.cost().fits(limits)) {
      return rejection;
    }
    List<ResourceKey> subjects = keysOf(event);
    String now = now();
    for (int recorded = subjects.size() - 1; recorded > 0; recorded--) {
      List<Reason> noted = new ArrayList<>(reasons);
      noted.add(
          new Reason(
              "",
              "recorded on the status of "
                  + recorded
                  + " of its "
                  + subjects.size()
                  + " resources: the statuses of all of them exceed etcd's limits too"));
      State state = new State(current);
      subjects.subList(0, recorded).forEach(k -> state.reject(k, event.meta(), noted, now));
      Plan plan = state.plan(true, at);
      if (plan.cost().fits(limits)) {
        return plan;
      }
    }
    // The offset alone always fits: EtcdLimits asks for at least 4 operations and 64 KiB.
    return unrecorded(at);
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.MILLIS).toString();
  }

  /** What the user sent, as the subject of a sentence. */
  static String subject(DecodedEvent event) {
    if (event instanceof DecodedEvent.Changeset changeset) {
      return "this changeset of "
          + changeset.resources().size()
          + " resources and "
          + changeset.deletes().size()
          + " deletes";
    } else if (event instanceof DecodedEvent.Deleted deleted) {
      return "the delete of " + deleted.key();
    } else if (event instanceof DecodedEvent.Applied applied) {
      return applied.resource().key().toString();
    }
    return "this event";
  }

  private static List<Reason> stale(DecodedEvent.Meta meta, Current current) {
    if (meta.ifRevision().isEmpty()) {
      return List.of();
    }
    long expected = meta.ifRevision().getAsLong();
    long actual = current.resource() == null ? 0 : current.resourceModRevision();
    if (expected == actual) {
      return List.of();
    }
    return List.of(
        new Reason(
            "header ce_ifrevision",
            "stale: expected resourceVersion "
                + expected
                + (expected == 0 ? " (absent)" : "")
                + ", but it is "
                + actual
                + (actual == 0 ? " (absent)" : "")
                + "; read it again and reapply"));
  }

  /** The evolving state of the touched resources while one event is planned. */
  private final class State {
    private final Map<ResourceKey, Current> current;
    private final Map<ResourceKey, Resource> resources = new LinkedHashMap<>();
    private final Map<ResourceKey, Boolean> resourceWritten = new LinkedHashMap<>();
    private final Map<ResourceKey, ApplierStatus> statuses = new LinkedHashMap<>();
    private final Map<ResourceKey, EventRecord> outcomes = new LinkedHashMap<>();
    private final List<Plan.Write> history = new ArrayList<>();

    State(Map<ResourceKey, Current> current) {
      this.current = current;
    }

    Current get(ResourceKey key) {
      return current.getOrDefault(key, Current.absent(key));
    }

    private Resource storedNow(ResourceKey key) {
      return resources.containsKey(key) ? resources.get(key) : get(key).resource();
    }

    private ApplierStatus statusNow(ResourceKey key) {
      return statuses.getOrDefault(key, get(key).statusOrEmpty());
    }

    void apply(Resource incoming, DecodedEvent.Meta meta, String now) {
      ResourceKey key = incoming.key();
      Resource stored = storedNow(key);
      ObjectMeta in = incoming.metadata();
      String uid;
      long generation;
      String created;
      boolean write;
      if (stored == null) {
        uid = uids.get();
        generation = 1;
        created = now;
        write = true;
      } else {
        uid = stored.metadata().uid();
        created = stored.metadata().creationTimestamp();
        boolean specChanged = !stored.spec().equals(incoming.spec());
        generation = stored.metadata().generation() + (specChanged ? 1 : 0);
        write =
            specChanged
                || !stored.apiVersion().equals(incoming.apiVersion())
                || !stored.metadata().labels().equals(in.labels())
                || !stored.metadata().annotations().equals(in.annotations());
      }
      Resource next =
          incoming
              .withMetadata(
                  new ObjectMeta(
                      in.name(),
                      in.namespace(),
                      in.labels(),
                      in.annotations(),
                      uid,
                      generation,
                      created,
                      null))
              .withStatus(null);
      resources.put(key, next);
      if (write) {
        resourceWritten.put(key, true);
      }
      boolean newGeneration = stored == null || generation != stored.metadata().generation();
      if (newGeneration) {
        history.add(
            new Plan.Put(
                Keyspace.history(key, uid, generation),
                StoredValues.history(
                    new HistoryEntry(generation, meta.id(), now, meta.source(), next))));
        if (generation > historyLimit) {
          // Every generation the limit leaves behind, in one operation (older ones too, should the
          // limit have been lowered since they were written).
          history.add(
              new Plan.DeleteRange(
                  Keyspace.historyPrefix(key, uid),
                  Keyspace.history(key, uid, generation - historyLimit + 1)));
        }
      }
      ApplierStatus status = statusNow(key);
      Condition accepted = accepted(status, generation, now);
      EventRecord record =
          new EventRecord(meta.id(), Outcome.ACCEPTED, generation, List.of(), now, meta.source());
      statuses.put(key, status.withStored(uid, generation, List.of(accepted)).withEvent(record));
      outcomes.put(key, record);
    }

    void delete(ResourceKey key, DecodedEvent.Meta meta, String now) {
      Resource stored = storedNow(key);
      if (stored != null) {
        resources.put(key, null);
        resourceWritten.put(key, true);
        // The life ends with its history, in one operation: a re-created resource starts a new
        // line at 1.
        history.add(Plan.DeleteRange.prefix(Keyspace.historyPrefix(key, stored.metadata().uid())));
      }
      Long generation = stored == null ? null : stored.metadata().generation();
      EventRecord record =
          new EventRecord(
              meta.id(),
              Outcome.DELETED,
              generation,
              stored == null
                  ? List.of(new Reason("", "nothing to delete: it did not exist"))
                  : List.of(),
              now,
              meta.source());
      statuses.put(key, statusNow(key).withStored(null, null, List.of()).withEvent(record));
      outcomes.put(key, record);
    }

    void reject(ResourceKey key, DecodedEvent.Meta meta, List<Reason> reasons, String now) {
      ApplierStatus status = statusNow(key);
      Resource stored = storedNow(key);
      List<Condition> conditions = status.conditions();
      if (stored == null) {
        conditions =
            List.of(
                new Condition(
                    ACCEPTED,
                    ConditionStatus.FALSE,
                    "Invalid",
                    reasons.get(0).toString(),
                    null,
                    now));
      }
      EventRecord record =
          new EventRecord(
              meta.id(), Outcome.REJECTED, status.generation(), reasons, now, meta.source());
      statuses.put(
          key, status.withStored(status.uid(), status.generation(), conditions).withEvent(record));
      outcomes.put(key, record);
    }

    /**
     * The transaction: guarded on the offset and on what was read (on a rejection, on what it
     * records), writing resources, statuses, history (unless rejected) and the offset last.
     */
    Plan plan(boolean rejected, PartitionOffset at) {
      List<Plan.Guard> guards = new ArrayList<>();
      guards.add(at.guard());
      List<ResourceKey> guarded =
          rejected ? List.copyOf(statuses.keySet()) : List.copyOf(current.keySet());
      for (ResourceKey key : guarded) {
        Current read = get(key);
        guards.add(new Plan.Guard(Keyspace.resource(key), read.resourceModRevision()));
        guards.add(new Plan.Guard(Keyspace.status(key), read.statusModRevision()));
      }
      List<Plan.Write> writes = new ArrayList<>();
      resourceWritten
          .keySet()
          .forEach(
              key -> {
                Resource resource = resources.get(key);
                writes.add(
                    resource == null
                        ? new Plan.Delete(Keyspace.resource(key))
                        : new Plan.Put(Keyspace.resource(key), StoredValues.resource(resource)));
              });
      statuses.forEach(
          (key, status) ->
              writes.add(new Plan.Put(Keyspace.status(key), StoredValues.status(status))));
      if (!rejected) {
        writes.addAll(history);
      }
      writes.add(at.write());
      return new Plan(guards, writes, outcomes, rejected);
    }

    /** Accepted=True for the stored generation, keeping the transition time while it stays True. */
    private Condition accepted(ApplierStatus status, long generation, String now) {
      String since =
          status
              .condition(ACCEPTED)
              .filter(c -> c.status() == ConditionStatus.TRUE)
              .map(Condition::lastTransitionTime)
              .filter(Objects::nonNull)
              .orElse(now);
      return new Condition(
          ACCEPTED,
          ConditionStatus.TRUE,
          ACCEPTED,
          "stored as generation " + generation,
          generation,
          since);
    }
  }
}
