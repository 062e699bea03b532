package io.meshgate.config.apply;

import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.AppliedOffset;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoredValues;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * etcd's transaction semantics in memory, for planner tests: a plan commits only if every guard
 * holds, then its writes apply in order under one new revision.
 */
final class MemoryEtcd {
  private record Entry(byte[] value, long modRevision) {}

  private final TreeMap<String, Entry> keys = new TreeMap<>();
  private long revision;

  /** Commits the plan's transaction; false (and nothing written) when a guard fails. */
  boolean commit(Plan plan) {
    for (Plan.Guard guard : plan.guards()) {
      if (modRevision(guard.key()) != guard.modRevision()) {
        return false;
      }
    }
    revision++;
    for (Plan.Write write : plan.writes()) {
      if (write instanceof Plan.Put put) {
        keys.put(put.key(), new Entry(put.value(), revision));
      } else if (write instanceof Plan.DeleteRange range) {
        keys.subMap(range.key(), range.end()).clear();
      } else {
        keys.remove(write.key());
      }
    }
    return true;
  }

  long modRevision(String key) {
    Entry entry = keys.get(key);
    return entry == null ? 0 : entry.modRevision();
  }

  byte[] get(String key) {
    Entry entry = keys.get(key);
    return entry == null ? null : entry.value();
  }

  List<String> keysUnder(String prefix) {
    return keys.subMap(prefix, prefix + Character.MAX_VALUE).keySet().stream().toList();
  }

  /** The offset guard and write for the next event of one partition. */
  PartitionOffset next(String topic) {
    String key = Keyspace.offset(topic, 0);
    byte[] stored = get(key);
    long offset = stored == null ? 0 : AppliedOffset.parse(stored).offset() + 1;
    return new PartitionOffset(
        topic,
        0,
        new AppliedOffset(offset, AppliedOffset.NO_TIMESTAMP, Optional.empty()),
        modRevision(key));
  }

  Current read(ResourceKey key) {
    byte[] resource = get(Keyspace.resource(key));
    byte[] status = get(Keyspace.status(key));
    long rr = modRevision(Keyspace.resource(key));
    return new Current(
        key,
        resource == null ? null : StoredValues.resource(resource, rr),
        rr,
        status == null ? null : StoredValues.status(status),
        modRevision(Keyspace.status(key)));
  }

  Map<ResourceKey, Current> read(List<ResourceKey> keys) {
    Map<ResourceKey, Current> current = new LinkedHashMap<>();
    keys.forEach(k -> current.put(k, read(k)));
    return current;
  }

  /** Plans the event on what is stored now and commits it, as the applier does. */
  Plan apply(Planner planner, DecodedEvent event) {
    Plan plan = planner.plan(event, read(Planner.keysOf(event)), next("t"));
    if (!commit(plan)) {
      throw new AssertionError("a plan made on what is stored now failed a guard: " + plan);
    }
    return plan;
  }
}
