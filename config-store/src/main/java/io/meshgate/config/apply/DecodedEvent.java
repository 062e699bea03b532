package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.util.List;
import java.util.OptionalLong;

/** What a record means, once decoded and validated. */
public sealed interface DecodedEvent
    permits DecodedEvent.Applied,
        DecodedEvent.Deleted,
        DecodedEvent.Changeset,
        DecodedEvent.Rejected {

  Meta meta();

  /**
   * The event's attributes.
   *
   * @param id {@code ce_id}, or the record's position when absent (then the event is rejected)
   * @param ifRevision {@code ce_ifrevision}, if given
   */
  record Meta(String id, String source, OptionalLong ifRevision) {
    public Meta {
      requireNonNull(id, "id");
      source = source == null ? "" : source;
    }
  }

  record Applied(Meta meta, Resource resource) implements DecodedEvent {}

  record Deleted(Meta meta, ResourceKey key) implements DecodedEvent {}

  record Changeset(Meta meta, List<Resource> resources, List<ResourceKey> deletes)
      implements DecodedEvent {
    public Changeset {
      resources = List.copyOf(resources);
      deletes = List.copyOf(deletes);
    }
  }

  /**
   * A record that cannot be applied.
   *
   * @param subjects the resources it meant, whose statuses record the rejection (none when even
   *     that cannot be told)
   */
  record Rejected(Meta meta, List<ResourceKey> subjects, List<Reason> reasons)
      implements DecodedEvent {
    public Rejected {
      subjects = List.copyOf(subjects);
      reasons = List.copyOf(reasons);
      if (reasons.isEmpty()) {
        throw new IllegalArgumentException("a rejection has at least one reason");
      }
    }
  }
}
