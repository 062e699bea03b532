package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.Condition;
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
 * </ul>
 */
public final class Planner {
  static final String ACCEPTED = "Accepted";

  private final Clock clock;
  private final Supplier<String> uids;
  private final int historyLimit;

  /** The default history: the last {@value #DEFAULT_HISTORY} generations of each resource. */
  public static final int DEFAULT_HISTORY = 10;

  public Planner(Clock clock, Supplier<String> uids) {
    this(clock, uids, DEFAULT_HISTORY);
  }

  /**
   * @param historyLimit how many generations of each resource's current life are kept under {@code
   *     /meshgate/v1/history/} (at least 1)
   */
  public Planner(Clock clock, Supplier<String> uids, int historyLimit) {
    this.clock = requireNonNull(clock, "clock");
    this.uids = requireNonNull(uids, "uids");
    if (historyLimit < 1) {
      throw new IllegalArgumentException("historyLimit: " + historyLimit + " (expected: >= 1)");
    }
    this.historyLimit = historyLimit;
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

  public Plan plan(DecodedEvent event, Map<ResourceKey, Current> current) {
    String now = Instant.now(clock).truncatedTo(ChronoUnit.MILLIS).toString();
    State state = new State(current);
    DecodedEvent.Meta meta = event.meta();
    if (keysOf(event).stream().anyMatch(k -> state.get(k).statusOrEmpty().hasEvent(meta.id()))) {
      return new Plan(List.of(), Map.of(), false);
    }
    if (event instanceof DecodedEvent.Rejected rejected) {
      rejected.subjects().forEach(k -> state.reject(k, meta, rejected.reasons(), now));
      return state.plan(true);
    }
    if (event instanceof DecodedEvent.Applied applied) {
      Resource resource = applied.resource();
      List<Reason> stale = stale(meta, state.get(resource.key()));
      if (!stale.isEmpty()) {
        state.reject(resource.key(), meta, stale, now);
        return state.plan(true);
      }
      state.apply(resource, meta, now);
    } else if (event instanceof DecodedEvent.Deleted deleted) {
      List<Reason> stale = stale(meta, state.get(deleted.key()));
      if (!stale.isEmpty()) {
        state.reject(deleted.key(), meta, stale, now);
        return state.plan(true);
      }
      state.delete(deleted.key(), meta, now);
    } else if (event instanceof DecodedEvent.Changeset changeset) {
      changeset.resources().forEach(r -> state.apply(r, meta, now));
      changeset.deletes().forEach(k -> state.delete(k, meta, now));
    }
    return state.plan(false);
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
          history.add(new Plan.Delete(Keyspace.history(key, uid, generation - historyLimit)));
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
        // The life ends with its history: a re-created resource starts a new line at 1.
        long last = stored.metadata().generation();
        for (long g = Math.max(1, last - historyLimit + 1); g <= last; g++) {
          history.add(new Plan.Delete(Keyspace.history(key, stored.metadata().uid(), g)));
        }
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
                new Condition(ACCEPTED, "False", "Invalid", reasons.get(0).toString(), null, now));
      }
      EventRecord record =
          new EventRecord(
              meta.id(), Outcome.REJECTED, status.generation(), reasons, now, meta.source());
      statuses.put(
          key, status.withStored(status.uid(), status.generation(), conditions).withEvent(record));
      outcomes.put(key, record);
    }

    Plan plan(boolean rejected) {
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
      return new Plan(writes, outcomes, rejected);
    }

    /** Accepted=True for the stored generation, keeping the transition time while it stays True. */
    private Condition accepted(ApplierStatus status, long generation, String now) {
      String since =
          status
              .condition(ACCEPTED)
              .filter(c -> "True".equals(c.status()))
              .map(Condition::lastTransitionTime)
              .filter(Objects::nonNull)
              .orElse(now);
      return new Condition(
          ACCEPTED, "True", ACCEPTED, "stored as generation " + generation, generation, since);
    }
  }
}
