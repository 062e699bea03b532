package io.meshgate.xds.serve;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Told when an ADS stream is admitted and when it ends, for what lives exactly as long as a proxy's
 * stream (a sidecar's own registration). Called on gRPC's threads with the stream's lock held: an
 * implementation hands the work to a thread of its own and returns at once.
 */
public interface StreamEvents {
  StreamEvents NONE =
      new StreamEvents() {
        @Override
        public void opened(Opened stream) {}

        @Override
        public void closed(long id) {}
      };

  /** Tells each of {@code events}, in order. */
  static StreamEvents all(List<StreamEvents> events) {
    List<StreamEvents> each = List.copyOf(events);
    return new StreamEvents() {
      @Override
      public void opened(Opened stream) {
        each.forEach(e -> e.opened(stream));
      }

      @Override
      public void closed(long id) {
        each.forEach(e -> e.closed(id));
      }

      @Override
      public void sent(long id, String group, String typeUrl, long revision) {
        each.forEach(e -> e.sent(id, group, typeUrl, revision));
      }
    };
  }

  /**
   * An admitted stream.
   *
   * @param id the stream's id, unique in this replica
   * @param group the group it is served, from its credential (or, anonymous, its node metadata)
   * @param anonymous whether it presented no credential
   * @param remote the address its connection comes from; empty for an in-process peer
   */
  record Opened(
      long id, String group, String nodeId, boolean anonymous, Optional<InetAddress> remote) {
    public Opened {
      requireNonNull(group, "group");
      requireNonNull(nodeId, "nodeId");
      requireNonNull(remote, "remote");
    }
  }

  void opened(Opened stream);

  /** The stream {@code id} ended, by either side. */
  void closed(long id);

  /**
   * A response of {@code typeUrl}, from the group's snapshot built from etcd revision {@code
   * revision}, was handed to stream {@code id}'s transport (first pushes, for traces). Called for
   * every response: return at once.
   */
  default void sent(long id, String group, String typeUrl, long revision) {}
}
