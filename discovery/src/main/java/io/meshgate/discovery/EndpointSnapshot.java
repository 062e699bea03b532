package io.meshgate.discovery;

import io.meshgate.config.model.ResourceKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The endpoints of every Backend at one moment; immutable. Each Backend's endpoints are merged (an
 * address and port reported by several sources is one endpoint, see {@link #merged}) and sorted.
 */
public record EndpointSnapshot(Map<ResourceKey, List<DiscoveredEndpoint>> byBackend) {
  public EndpointSnapshot {
    // Sorted by Backend, in a hash map that keeps that order: every build looks up each Backend's
    // endpoints, thousands of times, and iterates them in order. A map in order already (a
    // snapshot's, or discovery's sorted one) is copied without sorting it again.
    Map<ResourceKey, List<DiscoveredEndpoint>> sorted =
        inOrder(byBackend) ? byBackend : new TreeMap<>(byBackend);
    Map<ResourceKey, List<DiscoveredEndpoint>> copy = new LinkedHashMap<>(capacity(sorted.size()));
    sorted.forEach((k, v) -> copy.put(k, merged(v)));
    byBackend = Collections.unmodifiableMap(copy);
  }

  private static boolean inOrder(Map<ResourceKey, ?> map) {
    ResourceKey last = null;
    for (ResourceKey key : map.keySet()) {
      if (last != null && last.compareTo(key) >= 0) {
        return false;
      }
      last = key;
    }
    return true;
  }

  /** A hash map's initial capacity for {@code size} entries without rehashing. */
  private static int capacity(int size) {
    return (int) (size / 0.75f) + 1;
  }

  private static final Comparator<DiscoveredEndpoint> ORDER =
      Comparator.comparingInt(DiscoveredEndpoint::priority)
          .thenComparing(DiscoveredEndpoint::address)
          .thenComparingInt(DiscoveredEndpoint::port);

  /**
   * One endpoint per address and port, whichever sources report it. The rule where several do: the
   * least healthy report wins (a static entry knows nothing of health, Consul may know it is
   * failing: UNHEALTHY over DRAINING over HEALTHY); the largest weight; the first priority (a
   * failover source does not demote an endpoint another source offers first); zone and region from
   * the first source that names them; metadata from both, the first source's value where both name
   * a key (bounded again, {@link EndpointMetadata}); the provenance lists every source (each with
   * its index), sorted, joined by {@code +}. Sorted by priority, address and port.
   */
  public static List<DiscoveredEndpoint> merged(List<DiscoveredEndpoint> endpoints) {
    if (alreadyMerged(endpoints)) {
      // As merging would leave them; the common case of a list merged before (discovery's parts).
      return List.copyOf(endpoints);
    }
    Map<String, DiscoveredEndpoint> byAddress = new LinkedHashMap<>();
    for (DiscoveredEndpoint e : endpoints) {
      byAddress.merge(e.address() + "|" + e.port(), e, EndpointSnapshot::both);
    }
    List<DiscoveredEndpoint> sorted = new ArrayList<>(byAddress.values());
    sorted.sort(ORDER);
    // Immutable without nulls, so that merging it again (a snapshot made from this one's lists)
    // keeps this very instance.
    return List.copyOf(sorted);
  }

  /** Sorted, and one endpoint per address and port: merging would give this very list. */
  private static boolean alreadyMerged(List<DiscoveredEndpoint> endpoints) {
    for (int i = 1; i < endpoints.size(); i++) {
      if (compare(endpoints.get(i - 1), endpoints.get(i)) >= 0) {
        return false;
      }
    }
    if (endpoints.isEmpty()
        || endpoints.get(0).priority() == endpoints.get(endpoints.size() - 1).priority()) {
      // One priority (the common case): sorted strictly by address and port, so each is once.
      return true;
    }
    if (endpoints.size() <= 16) {
      for (int i = 0; i < endpoints.size(); i++) {
        for (int j = i + 1; j < endpoints.size(); j++) {
          if (sameAddress(endpoints.get(i), endpoints.get(j))) {
            return false;
          }
        }
      }
      return true;
    }
    Set<String> addresses = new HashSet<>();
    for (DiscoveredEndpoint e : endpoints) {
      if (!addresses.add(e.address() + "|" + e.port())) {
        return false;
      }
    }
    return true;
  }

  /** As {@link #ORDER}, written out: this runs for every Backend of every snapshot. */
  private static int compare(DiscoveredEndpoint a, DiscoveredEndpoint b) {
    int byPriority = Integer.compare(a.priority(), b.priority());
    if (byPriority != 0) {
      return byPriority;
    }
    int byAddress = a.address().compareTo(b.address());
    return byAddress != 0 ? byAddress : Integer.compare(a.port(), b.port());
  }

  private static boolean sameAddress(DiscoveredEndpoint a, DiscoveredEndpoint b) {
    return a.port() == b.port() && a.address().equals(b.address());
  }

  /**
   * How strongly a report speaks against sending traffic: UNHEALTHY, then DRAINING, then HEALTHY.
   */
  private static int severity(EndpointHealth health) {
    return switch (health) {
      case HEALTHY -> 0;
      case DRAINING -> 1;
      case UNHEALTHY -> 2;
    };
  }

  private static DiscoveredEndpoint both(DiscoveredEndpoint a, DiscoveredEndpoint b) {
    EndpointHealth health = severity(a.health()) >= severity(b.health()) ? a.health() : b.health();
    TreeSet<String> sources = new TreeSet<>(List.of(a.source().split("\\+")));
    sources.addAll(List.of(b.source().split("\\+")));
    return new DiscoveredEndpoint(
        a.address(),
        a.port(),
        Math.max(a.weight(), b.weight()),
        a.zone().isEmpty() ? b.zone() : a.zone(),
        a.region().isEmpty() ? b.region() : a.region(),
        String.join("+", sources),
        health,
        Math.min(a.priority(), b.priority()),
        metadata(a, b));
  }

  private static Map<String, String> metadata(DiscoveredEndpoint a, DiscoveredEndpoint b) {
    if (b.metadata().isEmpty()) {
      return a.metadata();
    }
    if (a.metadata().isEmpty()) {
      return b.metadata();
    }
    Map<String, String> both = new LinkedHashMap<>(a.metadata());
    b.metadata().forEach(both::putIfAbsent);
    return EndpointMetadata.bounded(both, "endpoints merged from several sources");
  }

  public static EndpointSnapshot empty() {
    return new EndpointSnapshot(Map.of());
  }

  /**
   * This snapshot and another together: a Backend in both gets both's endpoints, merged (a Backend
   * may name static endpoints and Consul, say, while its VMs move into Consul).
   */
  public EndpointSnapshot with(EndpointSnapshot other) {
    if (other.byBackend.isEmpty()) {
      return this;
    }
    if (byBackend.isEmpty()) {
      return other;
    }
    // A Backend only one side knows keeps that side's list, the very instance (merged already, so
    // the constructor keeps it): whoever compares it with the last build's compares a reference.
    Map<ResourceKey, List<DiscoveredEndpoint>> both = new TreeMap<>(byBackend);
    other.byBackend.forEach(
        (k, v) ->
            both.merge(
                k,
                v,
                (mine, theirs) -> {
                  List<DiscoveredEndpoint> all = new ArrayList<>(mine);
                  all.addAll(theirs);
                  return all;
                }));
    return new EndpointSnapshot(both);
  }

  /**
   * This snapshot with each Backend's list that equals {@code previous}'s replaced by that very
   * instance: an unchanged Backend keeps its list from snapshot to snapshot, so whoever compares
   * what a Backend had with what it has compares one reference, not every endpoint. Equal to this
   * snapshot.
   */
  public EndpointSnapshot sharing(EndpointSnapshot previous) {
    if (previous == this || previous.byBackend.isEmpty() || byBackend.isEmpty()) {
      return this;
    }
    Map<ResourceKey, List<DiscoveredEndpoint>> shared = new TreeMap<>(byBackend);
    boolean[] replaced = {false};
    shared.replaceAll(
        (backend, now) -> {
          List<DiscoveredEndpoint> before = previous.byBackend.get(backend);
          if (before != null && before != now && before.equals(now)) {
            replaced[0] = true;
            return before;
          }
          return now;
        });
    // Every list already the last one's or new: this very snapshot, without merging it again.
    return replaced[0] ? new EndpointSnapshot(shared) : this;
  }

  /** The endpoints of a Backend; empty when none is known. */
  public List<DiscoveredEndpoint> endpoints(ResourceKey backend) {
    return byBackend.getOrDefault(backend, List.of());
  }
}
