package io.meshgate.discovery;

import io.meshgate.config.model.ResourceKey;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The endpoints of every Backend at one moment, sorted; immutable. */
public record EndpointSnapshot(Map<ResourceKey, List<DiscoveredEndpoint>> byBackend) {
  public EndpointSnapshot {
    TreeMap<ResourceKey, List<DiscoveredEndpoint>> copy = new TreeMap<>();
    byBackend.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    byBackend = Collections.unmodifiableMap(copy);
  }

  public static EndpointSnapshot empty() {
    return new EndpointSnapshot(Map.of());
  }

  /**
   * This snapshot with another's Backends added; a Backend in both takes the other's (a Backend
   * names one source, so this happens only while its source changes).
   */
  public EndpointSnapshot with(EndpointSnapshot other) {
    if (other.byBackend.isEmpty()) {
      return this;
    }
    Map<ResourceKey, List<DiscoveredEndpoint>> merged = new TreeMap<>(byBackend);
    merged.putAll(other.byBackend);
    return new EndpointSnapshot(merged);
  }

  /** The endpoints of a Backend; empty when none is known. */
  public List<DiscoveredEndpoint> endpoints(ResourceKey backend) {
    return byBackend.getOrDefault(backend, List.of());
  }
}
