package io.meshgate.xds.snapshot;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The latest snapshot of every group. The pipeline thread writes; serving threads read. Listeners
 * hear the names of groups whose content changed (a new revision with the same content is not a
 * change: nothing is pushed for it).
 *
 * <p>With each group it keeps, per type, the last few {@linkplain TypeChange steps} between type
 * versions, computed once when a snapshot replaces another: a stream whose proxy holds an earlier
 * version it knows compares only the names that changed since, not every resource it asks for.
 */
public final class SnapshotStore {
  /** Steps kept per group and type: a stream further behind compares everything it asks for. */
  public static final int STEPS_KEPT = 8;

  /** The group every proxyless client is served, unless its identity has a group of its own. */
  public static final String PROXYLESS = "proxyless";

  private final Map<String, GroupSnapshot> groups = new ConcurrentHashMap<>();

  /** Per group, per type URL: the last steps, oldest first, the newest ending at the current. */
  private final Map<String, Map<String, List<TypeChange>>> steps = new ConcurrentHashMap<>();

  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  /** Per group: {@link System#nanoTime()} when its current content was published. */
  private final Map<String, Long> publishedAt = new ConcurrentHashMap<>();

  /** The etcd revision of the last build published; -1 before the first. */
  private volatile long revision = -1;

  /** Builds kept per group that changed it: a proxy further behind is counted for these only. */
  public static final int CHANGES_KEPT = 16;

  /**
   * The config events one build newly contained: those applied after revision {@code after} (the
   * build before it) and at or before {@code upTo} (its own).
   */
  public record RevisionWindow(long after, long upTo) {}

  /** Per group: the last builds that changed its content, oldest first (replaced, never edited). */
  private final Map<String, List<RevisionWindow>> changes = new ConcurrentHashMap<>();

  public Optional<GroupSnapshot> get(String group) {
    return Optional.ofNullable(groups.get(group));
  }

  /**
   * The snapshot a stream of {@code group} is served: its own, or for a proxyless service's group
   * ({@code proxyless/NS/SA}) that has none — a client without servers of its own — the shared
   * {@code proxyless} group's.
   */
  public Optional<GroupSnapshot> served(String group) {
    GroupSnapshot own = groups.get(group);
    if (own != null || !group.startsWith(PROXYLESS + "/")) {
      return Optional.ofNullable(own);
    }
    return Optional.ofNullable(groups.get(PROXYLESS));
  }

  /** Whether a change of {@code changed} may change what streams of {@code group} are served. */
  public static boolean affects(String changed, String group) {
    return changed.equals(group) || changed.equals(PROXYLESS) && group.startsWith(PROXYLESS + "/");
  }

  /**
   * The etcd revision of the config the last build was made from (every group's snapshot holds all
   * of it, or kept its last good content); -1 before the first build is published.
   */
  public long revision() {
    return revision;
  }

  /**
   * When the current content of {@code group} was published, as {@link System#nanoTime()}; -1 when
   * the store holds no such group.
   */
  public long publishedAt(String group) {
    Long at = publishedAt.get(group);
    return at == null ? -1 : at;
  }

  /**
   * The builds after revision {@code after} and at or before {@code upTo} that changed {@code
   * group}'s content, each as the window of events it newly contained, cut to that range. Events in
   * builds that left the group as it was are not in any: they did not change what its proxies hold
   * (docs/metrics.md, "Config convergence seconds").
   */
  public List<RevisionWindow> changesBetween(String group, long after, long upTo) {
    List<RevisionWindow> between = new ArrayList<>();
    for (RevisionWindow window : changes.getOrDefault(group, List.of())) {
      long from = Math.max(window.after(), after);
      long to = Math.min(window.upTo(), upTo);
      if (to > from) {
        between.add(new RevisionWindow(from, to));
      }
    }
    return between;
  }

  public Set<String> groups() {
    return Set.copyOf(groups.keySet());
  }

  /**
   * The names of {@code typeUrl} in {@code group} that changed (added, changed or removed) between
   * type versions {@code from} and {@code to}, a superset at worst; empty when the store does not
   * hold the steps between them (then compare everything).
   */
  public Optional<SortedSet<String>> changedBetween(
      String group, String typeUrl, String from, String to) {
    List<TypeChange> kept = steps.getOrDefault(group, Map.of()).getOrDefault(typeUrl, List.of());
    if (kept.isEmpty() || !kept.get(kept.size() - 1).to().equals(to)) {
      return Optional.empty();
    }
    // The newest step that starts at "from": versions are content hashes, so any such step starts
    // from the same content, and the steps after it lead to "to".
    for (int i = kept.size() - 1; i >= 0; i--) {
      if (kept.get(i).from().equals(from)) {
        if (i == kept.size() - 1) {
          return Optional.of(kept.get(i).names());
        }
        SortedSet<String> names = new TreeSet<>();
        for (int j = i; j < kept.size(); j++) {
          names.addAll(kept.get(j).names());
        }
        return Optional.of(names);
      }
    }
    return Optional.empty();
  }

  public void onChange(Consumer<String> listener) {
    listeners.add(listener);
  }

  /**
   * Replaces all groups; groups not given are removed. Returns the groups whose content changed.
   */
  public Set<String> replaceAll(Collection<GroupSnapshot> snapshots) {
    return replaceAll(
        snapshots, snapshots.stream().mapToLong(GroupSnapshot::revision).max().orElse(revision));
  }

  /**
   * As {@link #replaceAll(Collection)}, for a build made from the config at etcd revision {@code
   * builtRevision}. Returns the groups whose content changed.
   */
  public Set<String> replaceAll(Collection<GroupSnapshot> snapshots, long builtRevision) {
    long now = System.nanoTime();
    long before = revision;
    Set<String> changed = new HashSet<>();
    Set<String> seen = new HashSet<>();
    for (GroupSnapshot snapshot : snapshots) {
      seen.add(snapshot.group());
      GroupSnapshot previous = groups.get(snapshot.group());
      if (previous != null && !snapshot.sameContentAs(previous)) {
        steps.put(snapshot.group(), stepsTo(snapshot, previous));
      }
      groups.put(snapshot.group(), snapshot);
      if (!snapshot.sameContentAs(previous)) {
        changed.add(snapshot.group());
        publishedAt.put(snapshot.group(), now);
        if (builtRevision > before) {
          changes.put(
              snapshot.group(),
              kept(changes.get(snapshot.group()), new RevisionWindow(before, builtRevision)));
        }
      }
    }
    for (String group : Set.copyOf(groups.keySet())) {
      if (!seen.contains(group)) {
        groups.remove(group);
        steps.remove(group);
        publishedAt.remove(group);
        changes.remove(group);
        changed.add(group);
      }
    }
    revision = builtRevision;
    changed.forEach(group -> listeners.forEach(l -> l.accept(group)));
    return changed;
  }

  private static List<RevisionWindow> kept(List<RevisionWindow> kept, RevisionWindow next) {
    List<RevisionWindow> all = new ArrayList<>(kept == null ? List.of() : kept);
    all.add(next);
    return List.copyOf(all.subList(Math.max(0, all.size() - CHANGES_KEPT), all.size()));
  }

  /** The group's steps with the one from {@code previous} to {@code next} for each changed type. */
  private Map<String, List<TypeChange>> stepsTo(GroupSnapshot next, GroupSnapshot previous) {
    Map<String, List<TypeChange>> before = steps.getOrDefault(next.group(), Map.of());
    Map<String, List<TypeChange>> after = new HashMap<>();
    for (String typeUrl : TypeUrls.ALL) {
      TypeResources from = previous.type(typeUrl);
      TypeResources to = next.type(typeUrl);
      List<TypeChange> kept = before.getOrDefault(typeUrl, List.of());
      if (from.version().equals(to.version())) {
        if (!kept.isEmpty()) {
          after.put(typeUrl, kept);
        }
        continue;
      }
      List<TypeChange> list = new ArrayList<>();
      if (!kept.isEmpty() && kept.get(kept.size() - 1).to().equals(from.version())) {
        list.addAll(kept.subList(Math.max(0, kept.size() - (STEPS_KEPT - 1)), kept.size()));
      }
      list.add(TypeChange.between(from, to));
      after.put(typeUrl, List.copyOf(list));
    }
    return Map.copyOf(after);
  }
}
