package io.meshgate.discovery;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.Registration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The Workloads agents hold registered now, as one etcd revision shows them: an input of the
 * pipeline beside the config. Immutable.
 *
 * @param revision the etcd revision they were read at; 0 before the first read
 */
public record Registrations(long revision, SortedMap<ResourceKey, Registration> byWorkload) {
  private static final Registrations EMPTY = new Registrations(0, new TreeMap<>());

  public Registrations {
    requireNonNull(byWorkload, "byWorkload");
    byWorkload = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(byWorkload));
  }

  public static Registrations empty() {
    return EMPTY;
  }

  public static Registrations of(long revision, Map<ResourceKey, Registration> byWorkload) {
    return new Registrations(revision, new TreeMap<>(byWorkload));
  }

  public Optional<Registration> get(ResourceKey workload) {
    return Optional.ofNullable(byWorkload.get(workload));
  }

  public Collection<Registration> all() {
    return byWorkload.values();
  }
}
