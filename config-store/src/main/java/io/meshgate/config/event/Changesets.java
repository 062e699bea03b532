package io.meshgate.config.event;

import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The limits of a changeset that need no reading of etcd: it is published as one Kafka record (1
 * MiB by default) and applied in one etcd transaction, which the applier's planner measures against
 * etcd's limits with what etcd holds ({@code apply.TxnCost}; 40 new resources fit, 40 with full
 * histories do not).
 */
public final class Changesets {
  public static final int MAX_ITEMS = 40;
  public static final int MAX_BYTES = 1024 * 1024;

  private Changesets() {}

  /** What breaks the limits, as sentences; empty when the changeset may be published. */
  public static List<String> problems(
      String namespace, List<Resource> resources, List<ResourceKey> deletes) {
    List<String> problems = new ArrayList<>();
    int items = resources.size() + deletes.size();
    if (items == 0) {
      problems.add("a changeset needs at least one resource or delete");
    }
    if (items > MAX_ITEMS) {
      problems.add(
          "a changeset holds at most "
              + MAX_ITEMS
              + " resources and deletes (this one: "
              + items
              + ")");
    }
    Set<String> namespaces = new HashSet<>();
    resources.forEach(r -> namespaces.add(r.metadata().namespace()));
    deletes.forEach(k -> namespaces.add(k.namespace()));
    namespaces.remove(namespace);
    if (!namespaces.isEmpty()) {
      problems.add(
          "a changeset stays in one namespace ("
              + namespace
              + "); also found: "
              + String.join(", ", namespaces.stream().sorted().toList()));
    }
    Set<ResourceKey> keys = new HashSet<>();
    resources.forEach(
        r -> {
          if (!keys.add(r.key())) {
            problems.add("a changeset names " + r.key() + " more than once");
          }
        });
    deletes.forEach(
        k -> {
          if (!keys.add(k)) {
            problems.add("a changeset names " + k + " more than once");
          }
        });
    long bytes = resources.stream().mapToLong(r -> ResourceCodec.toJson(r).length).sum();
    if (bytes > MAX_BYTES) {
      problems.add("a changeset is at most 1 MiB as JSON (this one: " + bytes / 1024 + " KiB)");
    }
    return problems;
  }
}
