package io.meshgate.xds.snapshot;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The latest snapshot of every group. The pipeline thread writes; serving threads read. Listeners
 * hear the names of groups whose content changed (a new revision with the same content is not a
 * change: nothing is pushed for it).
 */
public final class SnapshotStore {
  private final Map<String, GroupSnapshot> groups = new ConcurrentHashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  public Optional<GroupSnapshot> get(String group) {
    return Optional.ofNullable(groups.get(group));
  }

  public Set<String> groups() {
    return Set.copyOf(groups.keySet());
  }

  public void onChange(Consumer<String> listener) {
    listeners.add(listener);
  }

  /**
   * Replaces all groups; groups not given are removed. Returns the groups whose content changed.
   */
  public Set<String> replaceAll(Collection<GroupSnapshot> snapshots) {
    Set<String> changed = new HashSet<>();
    Set<String> seen = new HashSet<>();
    for (GroupSnapshot snapshot : snapshots) {
      seen.add(snapshot.group());
      GroupSnapshot previous = groups.put(snapshot.group(), snapshot);
      if (!snapshot.sameContentAs(previous)) {
        changed.add(snapshot.group());
      }
    }
    for (String group : Set.copyOf(groups.keySet())) {
      if (!seen.contains(group)) {
        groups.remove(group);
        changed.add(group);
      }
    }
    changed.forEach(group -> listeners.forEach(l -> l.accept(group)));
    return changed;
  }
}
