package io.meshgate.xds.serve;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * What proxies rejected through the other replicas, as this replica last heard of it. Read on the
 * serving path when a stream starts: an implementation answers from memory, never by I/O, and from
 * any thread.
 */
public interface PeerRejections {
  /** No other replica: a single replica, or tests. */
  PeerRejections NONE = (group, nodeId, typeUrl) -> Optional.empty();

  /** The latest rejection of this node and type another replica published, if any. */
  Optional<Found> find(String group, String nodeId, String typeUrl);

  /** A rejection and the replica that heard the NACK. */
  record Found(String replica, NodeRejection rejection) {
    public Found {
      requireNonNull(replica, "replica");
      requireNonNull(rejection, "rejection");
    }
  }
}
