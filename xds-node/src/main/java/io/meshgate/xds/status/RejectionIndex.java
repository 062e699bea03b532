package io.meshgate.xds.status;

import static java.util.Objects.requireNonNull;

import io.meshgate.xds.serve.NodeRejection;
import io.meshgate.xds.serve.PeerRejections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The other replicas' rejections, merged: per group, node id and type URL, the latest one (by the
 * time its replica remembered it; at the same time, the replica id that sorts last, so every
 * replica merges alike). Immutable and pure: a lookup reads a map.
 */
public final class RejectionIndex implements PeerRejections {
  public static final RejectionIndex EMPTY = new RejectionIndex(Map.of());

  private record Key(String group, String nodeId, String typeUrl) {}

  private final Map<Key, Found> latest;

  private RejectionIndex(Map<Key, Found> latest) {
    this.latest = Map.copyOf(latest);
  }

  /**
   * The merge of what each replica published, replica id → its rejections; {@code ownReplica}'s are
   * left out, as the replica that reads them remembers its own.
   */
  public static RejectionIndex of(String ownReplica, Map<String, List<NodeRejection>> byReplica) {
    requireNonNull(ownReplica, "ownReplica");
    Map<Key, Found> latest = new HashMap<>();
    byReplica.forEach(
        (replica, rejections) -> {
          if (replica.equals(ownReplica)) {
            return;
          }
          for (NodeRejection rejection : rejections) {
            latest.merge(
                new Key(rejection.group(), rejection.nodeId(), rejection.typeUrl()),
                new Found(replica, rejection),
                RejectionIndex::later);
          }
        });
    return new RejectionIndex(latest);
  }

  private static Found later(Found a, Found b) {
    int byTime = Long.compare(a.rejection().at(), b.rejection().at());
    if (byTime != 0) {
      return byTime > 0 ? a : b;
    }
    return a.replica().compareTo(b.replica()) >= 0 ? a : b;
  }

  @Override
  public Optional<Found> find(String group, String nodeId, String typeUrl) {
    return Optional.ofNullable(latest.get(new Key(group, nodeId, typeUrl)));
  }

  /** How many node and type pairs it holds a rejection for. */
  public int size() {
    return latest.size();
  }
}
