package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.AppliedOffset;
import io.meshgate.config.store.Keyspace;

/**
 * The partition offset an event's transaction records (with the record's timestamp and trace
 * context), and the mod revision of the stored offset it replaces (the guard that makes an offset
 * apply once).
 *
 * @param storedModRevision the stored offset's mod revision; 0 when none is stored
 */
public record PartitionOffset(
    String topic, int partition, AppliedOffset applied, long storedModRevision) {
  public PartitionOffset {
    requireNonNull(topic, "topic");
    requireNonNull(applied, "applied");
  }

  /** The record's offset in its partition. */
  public long offset() {
    return applied.offset();
  }

  Plan.Guard guard() {
    return new Plan.Guard(Keyspace.offset(topic, partition), storedModRevision);
  }

  Plan.Put write() {
    return new Plan.Put(Keyspace.offset(topic, partition), applied.toBytes());
  }
}
