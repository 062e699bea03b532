package io.meshgate.xds.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One step of a group's resources of one type: from the content at type version {@code from} to the
 * content at {@code to}, the names whose resource was added, changed (a different resource version)
 * or removed. Versions are content hashes, so a step holds between any two snapshots with these
 * type versions, whichever replica or revision built them.
 *
 * @param names sorted
 */
public record TypeChange(String from, String to, SortedSet<String> names) {
  public TypeChange {
    requireNonNull(from, "from");
    requireNonNull(to, "to");
    names = Collections.unmodifiableSortedSet(new TreeSet<>(names));
  }

  /** The step from {@code previous} to {@code next}, comparing each resource's version. */
  public static TypeChange between(TypeResources previous, TypeResources next) {
    List<String> names = new ArrayList<>();
    next.resources()
        .forEach(
            (name, resource) -> {
              VersionedResource before = previous.resources().get(name);
              if (before == null || !before.version().equals(resource.version())) {
                names.add(name);
              }
            });
    for (String name : previous.resources().keySet()) {
      if (!next.resources().containsKey(name)) {
        names.add(name);
      }
    }
    return new TypeChange(previous.version(), next.version(), new TreeSet<>(names));
  }
}
