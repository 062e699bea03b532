package io.meshgate.config.store;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every stored resource as of one etcd revision, sorted by {@link ResourceKey}. Immutable: readers
 * on any thread may hold and share it.
 *
 * @param revision the etcd revision this snapshot reflects; 0 before anything was read
 * @param resources the resources by key; each one's {@code metadata.resourceVersion} is its mod
 *     revision
 */
public record ConfigSnapshot(long revision, SortedMap<ResourceKey, Resource> resources) {
  private static final ConfigSnapshot EMPTY = new ConfigSnapshot(0, new TreeMap<>());

  public ConfigSnapshot {
    if (revision < 0) {
      throw new IllegalArgumentException("revision: " + revision + " (expected: >= 0)");
    }
    requireNonNull(resources, "resources");
    // A TreeMap copy keeps ResourceKey's natural order whatever order the argument had.
    resources = Collections.unmodifiableSortedMap(new TreeMap<>(resources));
  }

  /** No resources, revision 0: what a view holds before its first read. */
  public static ConfigSnapshot empty() {
    return EMPTY;
  }

  /** The resource stored under {@code key}, if any. */
  public Optional<Resource> get(ResourceKey key) {
    return Optional.ofNullable(resources.get(requireNonNull(key, "key")));
  }

  /** Every resource of one kind, sorted by namespace then name. */
  public List<Resource> ofKind(Kind kind) {
    requireNonNull(kind, "kind");
    // Keys sort by kind first and the empty namespace sorts before any other, so one kind is a
    // contiguous range: from (kind, "", "") up to (next kind, "", "").
    ResourceKey from = new ResourceKey(kind, "", "");
    Kind[] kinds = Kind.values();
    SortedMap<ResourceKey, Resource> range =
        kind.ordinal() + 1 < kinds.length
            ? resources.subMap(from, new ResourceKey(kinds[kind.ordinal() + 1], "", ""))
            : resources.tailMap(from);
    return List.copyOf(range.values());
  }

  public int size() {
    return resources.size();
  }
}
