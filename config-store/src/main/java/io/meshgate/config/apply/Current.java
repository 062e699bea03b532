package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import org.jspecify.annotations.Nullable;

/**
 * What etcd holds for one resource when the applier reads it. Mod revisions are 0 for absent keys,
 * which is also what etcd compares an absent key's mod revision as, so they serve as guards.
 *
 * @param resource the stored resource, or null
 * @param status the applier's status, or null
 */
public record Current(
    ResourceKey key,
    @Nullable Resource resource,
    long resourceModRevision,
    @Nullable ApplierStatus status,
    long statusModRevision) {
  public Current {
    requireNonNull(key, "key");
  }

  public static Current absent(ResourceKey key) {
    return new Current(key, null, 0, null, 0);
  }

  ApplierStatus statusOrEmpty() {
    return status == null ? ApplierStatus.empty() : status;
  }
}
