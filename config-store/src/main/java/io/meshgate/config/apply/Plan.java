package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.ResourceKey;
import java.util.List;
import java.util.Map;

/**
 * What applying one event changes, as the one etcd transaction that does it: the guards that must
 * still hold, the writes (the partition's offset last), and each touched resource's outcome.
 *
 * @param guards keys whose mod revision must still be what the planner read
 * @param writes puts and deletes, in order; the last one records the partition's offset
 * @param outcomes per resource, the event's outcome; empty when the event was a duplicate
 * @param rejected whether the event ends Rejected (its record is copied to the rejected topic)
 */
public record Plan(
    List<Guard> guards,
    List<Write> writes,
    Map<ResourceKey, EventRecord> outcomes,
    boolean rejected) {
  public Plan {
    guards = List.copyOf(guards);
    writes = List.copyOf(writes);
    outcomes = Map.copyOf(outcomes);
  }

  /** An event applied before: the transaction only records the offset. */
  public boolean duplicate() {
    return outcomes.isEmpty() && !rejected;
  }

  /** What the transaction costs against etcd's limits. */
  public TxnCost cost() {
    return TxnCost.of(this);
  }

  /** A key's mod revision must still be {@code modRevision} (0: the key must be absent). */
  public record Guard(String key, long modRevision) {
    public Guard {
      requireNonNull(key, "key");
    }
  }

  /** One etcd write. */
  public sealed interface Write permits Put, Delete, DeleteRange {
    String key();
  }

  public record Put(String key, byte[] value) implements Write {
    public Put {
      requireNonNull(key, "key");
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    int size() {
      return value.length;
    }
  }

  public record Delete(String key) implements Write {
    public Delete {
      requireNonNull(key, "key");
    }
  }

  /**
   * Deletes every key from {@code key} (inclusive) to {@code end} (exclusive), in one operation.
   */
  public record DeleteRange(String key, String end) implements Write {
    public DeleteRange {
      requireNonNull(key, "key");
      requireNonNull(end, "end");
      if (key.compareTo(end) >= 0) {
        throw new IllegalArgumentException("range: [" + key + ", " + end + ") is empty");
      }
    }

    /** Every key that starts with {@code prefix}. */
    public static DeleteRange prefix(String prefix) {
      char last = prefix.charAt(prefix.length() - 1);
      return new DeleteRange(prefix, prefix.substring(0, prefix.length() - 1) + (char) (last + 1));
    }

    public boolean contains(String other) {
      return other.compareTo(key) >= 0 && other.compareTo(end) < 0;
    }
  }
}
