package io.meshgate.xds.serve;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What proxies rejected, remembered past their streams, so a proxy that reconnects still holding
 * its earlier config is not sent again the version it NACKed. Per group and node id, and per type:
 * the version last NACKed, the names of the resources its rejected responses carried, and when.
 * Bounded: the least recently used nodes are forgotten first once more than {@code maxNodes} nodes
 * or {@code maxNames} names are held.
 *
 * <p>Across replicas: this memory is published for the other replicas ({@link #recent}, {@link
 * #onChange}; status.RejectionPublisher writes it to etcd) and theirs is read through {@link
 * PeerRejections}. A new stream inherits the later of this replica's rejection and the peers' (see
 * docs/status.md, "What a NACK holds back").
 *
 * <p>Thread-safe. The change listener runs on the thread that made the change, outside the lock; it
 * must not block (streams call in here from gRPC's threads).
 */
public final class Rejections {
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

  /**
   * A rejection and when it was remembered: {@code at} by the clock, to compare with other
   * replicas' rejections; {@code seq} in the order of this memory, as the clock may step back.
   */
  private record Held(Rejection rejection, long at, long seq) {}

  private record Entry(Node node, String typeUrl, Held held) {}

  private static final Comparator<Entry> NEWEST_FIRST =
      Comparator.comparingLong((Entry e) -> e.held().at())
          .thenComparingLong(e -> e.held().seq())
          .reversed();

  private final int maxNodes;
  private final int maxNames;
  private final Clock clock;
  private final PeerRejections peers;

  /** Access order: the eldest entry is the node used least recently. Guarded by this. */
  private final LinkedHashMap<Node, Map<String, Held>> byNode =
      new LinkedHashMap<>(16, 0.75f, true);

  private int names;
  private long seq;
  private volatile Runnable listener = () -> {};

  /** This replica's memory only: a single replica, or tests. */
  Rejections() {
    this(DEFAULT_MAX_NODES, DEFAULT_MAX_NAMES, Clock.systemUTC(), PeerRejections.NONE);
  }

  Rejections(int maxNodes, int maxNames) {
    this(maxNodes, maxNames, Clock.systemUTC(), PeerRejections.NONE);
  }

  /**
   * This replica's memory, and the rejections other replicas published. {@code clock} stamps each
   * rejection remembered here, for the peers to tell which of two is later.
   */
  public Rejections(Clock clock, PeerRejections peers) {
    this(DEFAULT_MAX_NODES, DEFAULT_MAX_NAMES, clock, peers);
  }

  Rejections(int maxNodes, int maxNames, Clock clock, PeerRejections peers) {
    if (maxNodes < 1 || maxNames < 1) {
      throw new IllegalArgumentException(
          "maxNodes: " + maxNodes + ", maxNames: " + maxNames + " (expected: >= 1 each)");
    }
    this.maxNodes = maxNodes;
    this.maxNames = maxNames;
    this.clock = requireNonNull(clock, "clock");
    this.peers = requireNonNull(peers, "peers");
  }

  /** Called after each change of this replica's memory; one listener, the last one set. */
  public void onChange(Runnable listener) {
    this.listener = requireNonNull(listener, "listener");
  }

  void remember(String group, String nodeId, String typeUrl, Rejection rejection) {
    synchronized (this) {
      put(new Node(group, nodeId), typeUrl, new Held(rejection, clock.millis(), ++seq));
      evict();
    }
    listener.run();
  }

  /** This replica's memory of the node and type. */
  synchronized Optional<Rejection> find(String group, String nodeId, String typeUrl) {
    return held(group, nodeId, typeUrl).map(Held::rejection);
  }

  /**
   * What a new stream of the node inherits for the type when it says it holds config: the later of
   * this replica's rejection and the latest one the other replicas published. Reads memory only.
   */
  Optional<Rejection> inherited(String group, String nodeId, String typeUrl) {
    Optional<Held> local;
    synchronized (this) {
      local = held(group, nodeId, typeUrl);
    }
    Optional<PeerRejections.Found> peer = peers.find(group, nodeId, typeUrl);
    if (peer.isEmpty() || (local.isPresent() && local.get().at() >= peer.get().rejection().at())) {
      return local.map(Held::rejection);
    }
    NodeRejection shared = peer.get().rejection();
    return Optional.of(
        new Rejection(
            shared.version(),
            Set.copyOf(shared.names()),
            "rejected through replica "
                + peer.get().replica()
                + " (the proxy's error_detail is in that replica's log)"));
  }

  /** The node accepted {@code version} of the type after all: its rejection no longer holds. */
  void accepted(String group, String nodeId, String typeUrl, String version) {
    synchronized (this) {
      Node node = new Node(group, nodeId);
      Map<String, Held> types = byNode.get(node);
      if (types == null) {
        return;
      }
      Held held = types.get(typeUrl);
      if (held == null || !held.rejection().version().equals(version)) {
        return;
      }
      types.remove(typeUrl);
      names -= held.rejection().names().size();
      if (types.isEmpty()) {
        byNode.remove(node);
      }
    }
    listener.run();
  }

  /**
   * What this replica remembers, the latest rejections first, at most {@code max}: what it
   * publishes for the other replicas.
   */
  public List<NodeRejection> recent(int max) {
    List<Entry> entries = new ArrayList<>();
    synchronized (this) {
      byNode.forEach(
          (node, types) -> types.forEach((type, held) -> entries.add(new Entry(node, type, held))));
    }
    return entries.stream()
        .sorted(NEWEST_FIRST)
        .limit(max)
        .map(
            e ->
                new NodeRejection(
                    e.node().group(),
                    e.node().nodeId(),
                    e.typeUrl(),
                    e.held().rejection().version(),
                    List.copyOf(e.held().rejection().names()),
                    e.held().at()))
        .toList();
  }

  /**
   * Takes over what an earlier run of this replica published, so a restart does not forget it. What
   * this run remembered already is kept.
   */
  public void adopt(Collection<NodeRejection> earlier) {
    if (earlier.isEmpty()) {
      return;
    }
    synchronized (this) {
      earlier.stream()
          .sorted(Comparator.comparingLong(NodeRejection::at))
          .forEach(
              r -> {
                Node node = new Node(r.group(), r.nodeId());
                if (held(r.group(), r.nodeId(), r.typeUrl()).isEmpty()) {
                  Rejection rejection =
                      new Rejection(
                          r.version(),
                          Set.copyOf(r.names()),
                          "rejected through this replica before it restarted");
                  put(node, r.typeUrl(), new Held(rejection, r.at(), ++seq));
                }
              });
      evict();
    }
    listener.run();
  }

  synchronized int nodes() {
    return byNode.size();
  }

  private Optional<Held> held(String group, String nodeId, String typeUrl) {
    Map<String, Held> types = byNode.get(new Node(group, nodeId));
    return types == null ? Optional.empty() : Optional.ofNullable(types.get(typeUrl));
  }

  private void put(Node node, String typeUrl, Held held) {
    Map<String, Held> types = byNode.computeIfAbsent(node, n -> new TreeMap<>());
    Held previous = types.put(typeUrl, held);
    names +=
        held.rejection().names().size()
            - (previous == null ? 0 : previous.rejection().names().size());
  }

  private void evict() {
    Iterator<Map<String, Held>> eldest = byNode.values().iterator();
    // The node just written is the newest: it stays, however many names it holds.
    while (byNode.size() > 1 && (byNode.size() > maxNodes || names > maxNames)) {
      for (Held held : eldest.next().values()) {
        names -= held.rejection().names().size();
      }
      eldest.remove();
    }
  }
}
