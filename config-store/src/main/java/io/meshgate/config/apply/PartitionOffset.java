package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.Keyspace;
import java.nio.charset.StandardCharsets;

/**
 * The partition offset an event's transaction records, and the mod revision of the stored offset it
 * replaces (the guard that makes an offset apply once).
 *
 * @param storedModRevision the stored offset's mod revision; 0 when none is stored
 */
public record PartitionOffset(String topic, int partition, long offset, long storedModRevision) {
  public PartitionOffset {
    requireNonNull(topic, "topic");
  }

  Plan.Guard guard() {
    return new Plan.Guard(Keyspace.offset(topic, partition), storedModRevision);
  }

  Plan.Put write() {
    return new Plan.Put(
        Keyspace.offset(topic, partition), Long.toString(offset).getBytes(StandardCharsets.UTF_8));
  }
}
