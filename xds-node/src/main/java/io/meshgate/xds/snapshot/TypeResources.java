package io.meshgate.xds.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/** The resources of one type for one group, by name, and the version of the whole set. */
public record TypeResources(
    String typeUrl, String version, SortedMap<String, VersionedResource> resources) {
  public TypeResources {
    requireNonNull(typeUrl, "typeUrl");
    requireNonNull(version, "version");
    resources = Collections.unmodifiableSortedMap(new TreeMap<>(resources));
  }

  /** Those of {@code names} that exist, or all when {@code names} is empty (a wildcard request). */
  public List<VersionedResource> select(Set<String> names) {
    if (names.isEmpty()) {
      return List.copyOf(resources.values());
    }
    return resources.entrySet().stream()
        .filter(e -> names.contains(e.getKey()))
        .map(Map.Entry::getValue)
        .toList();
  }
}
