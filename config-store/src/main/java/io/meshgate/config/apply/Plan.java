package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.ResourceKey;
import java.util.List;
import java.util.Map;

/**
 * What applying one event changes: etcd writes (without the offset, which the applier adds) and
 * each touched resource's outcome.
 *
 * @param writes puts and deletes, in order
 * @param outcomes per resource, the event's outcome; empty when the event was a duplicate
 * @param rejected whether the event ends Rejected (its record is copied to the rejected topic)
 */
public record Plan(List<Write> writes, Map<ResourceKey, EventRecord> outcomes, boolean rejected) {
  public Plan {
    writes = List.copyOf(writes);
    outcomes = Map.copyOf(outcomes);
  }

  public boolean duplicate() {
    return outcomes.isEmpty() && writes.isEmpty();
  }

  /** One etcd write. */
  public sealed interface Write permits Put, Delete {
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
  }

  public record Delete(String key) implements Write {
    public Delete {
      requireNonNull(key, "key");
    }
  }
}
