package io.meshgate.xds.serve;

import static java.util.Objects.requireNonNull;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What proxies rejected, remembered past their streams, so a proxy that reconnects to this replica
 * still holding its earlier config is not sent again the version it NACKed. Per group and node id,
 * and per type: the version last NACKed and the names of the resources its rejected responses
 * carried. Bounded: the least recently used nodes are forgotten first once more than {@code
 * maxNodes} nodes or {@code maxNames} names are held. Thread-safe.
 *
 * <p>Only this replica's NACKs are here; why other replicas' are not read is in docs/status.md.
 */
final class Rejections {
  static final int DEFAULT_MAX_NODES = 4_096;
  static final int DEFAULT_MAX_NAMES = 1_000_000;

  /** One NACK: the type version, the resource names it covered, and the cut error detail. */
  record Rejection(String version, Set<String> names, String detail) {
    Rejection {
      requireNonNull(version, "version");
      names = Set.copyOf(names);
      requireNonNull(detail, "detail");
    }
  }

  private record Node(String group, String nodeId) {}

  private final int maxNodes;
  private final int maxNames;

  /** Access order: the eldest entry is the node used least recently. */
  private final LinkedHashMap<Node, Map<String, Rejection>> byNode =
      new LinkedHashMap<>(16, 0.75f, true);

  private int names;

  Rejections() {
    this(DEFAULT_MAX_NODES, DEFAULT_MAX_NAMES);
  }

  Rejections(int maxNodes, int maxNames) {
    if (maxNodes < 1 || maxNames < 1) {
      throw new IllegalArgumentException(
          "maxNodes: " + maxNodes + ", maxNames: " + maxNames + " (expected: >= 1 each)");
    }
    this.maxNodes = maxNodes;
    this.maxNames = maxNames;
  }

  synchronized void remember(String group, String nodeId, String typeUrl, Rejection rejection) {
    Map<String, Rejection> types =
        byNode.computeIfAbsent(new Node(group, nodeId), n -> new TreeMap<>());
    Rejection previous = types.put(typeUrl, rejection);
    names += rejection.names().size() - (previous == null ? 0 : previous.names().size());
    evict();
  }

  synchronized Optional<Rejection> find(String group, String nodeId, String typeUrl) {
    Map<String, Rejection> types = byNode.get(new Node(group, nodeId));
    return types == null ? Optional.empty() : Optional.ofNullable(types.get(typeUrl));
  }

  /** The node accepted {@code version} of the type after all: its rejection no longer holds. */
  synchronized void accepted(String group, String nodeId, String typeUrl, String version) {
    Node node = new Node(group, nodeId);
    Map<String, Rejection> types = byNode.get(node);
    if (types == null) {
      return;
    }
    Rejection rejection = types.get(typeUrl);
    if (rejection != null && rejection.version().equals(version)) {
      types.remove(typeUrl);
      names -= rejection.names().size();
      if (types.isEmpty()) {
        byNode.remove(node);
      }
    }
  }

  synchronized int nodes() {
    return byNode.size();
  }

  private void evict() {
    Iterator<Map<String, Rejection>> eldest = byNode.values().iterator();
    // The node just written is the newest: it stays, however many names it holds.
    while (byNode.size() > 1 && (byNode.size() > maxNodes || names > maxNames)) {
      for (Rejection rejection : eldest.next().values()) {
        names -= rejection.names().size();
      }
      eldest.remove();
    }
  }
}
