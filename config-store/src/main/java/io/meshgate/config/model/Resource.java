package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One resource as users write it and meshgate stores it. The spec's type matches the kind; status
 * is absent in what users send and filled when read back from the store.
 */
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public record Resource(
    String apiVersion, Kind kind, ObjectMeta metadata, Spec spec, ResourceStatus status) {
  public Resource {
    requireNonNull(apiVersion, "apiVersion");
    requireNonNull(kind, "kind");
    requireNonNull(metadata, "metadata");
    requireNonNull(spec, "spec");
    if (!kind.specType().isInstance(spec)) {
      throw new IllegalArgumentException(
          "spec: "
              + spec.getClass().getSimpleName()
              + " (expected: "
              + kind.specType().getSimpleName()
              + ")");
    }
  }

  /** A resource of the newest apiVersion of its kind, without status. */
  public static Resource of(Kind kind, ObjectMeta metadata, Spec spec) {
    return new Resource(kind.preferredApiVersion(), kind, metadata, spec, null);
  }

  @JsonIgnore
  public ResourceKey key() {
    return new ResourceKey(kind, metadata.namespace(), metadata.name());
  }

  public Resource withMetadata(ObjectMeta newMetadata) {
    return new Resource(apiVersion, kind, newMetadata, spec, status);
  }

  public Resource withStatus(ResourceStatus newStatus) {
    return new Resource(apiVersion, kind, metadata, spec, newStatus);
  }

  /** The spec, typed; fails if the kind holds another spec type. */
  public <S extends Spec> S spec(Class<S> type) {
    return type.cast(spec);
  }
}
