package io.meshgate.xds.status;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.Client;
import io.meshgate.xds.serve.Rejections;
import java.time.Clock;

/**
 * One replica's part in the memory of what proxies rejected, shared through etcd: its own memory
 * ({@link Rejections}, which its streams fill and read), the other replicas' ({@link
 * RejectionsView}) and the publisher of its own ({@link RejectionPublisher}). The replica serves
 * with {@link #rejections()}; docs/status.md says what it holds back and for how long.
 */
public final class SharedRejections implements AutoCloseable {
  private final RejectionsView peers;
  private final Rejections rejections;
  private final RejectionPublisher publisher;

  private SharedRejections(Client etcd, String replicaId, Clock clock) {
    this.peers = RejectionsView.open(etcd, replicaId);
    this.rejections = new Rejections(clock, peers);
    this.publisher =
        RejectionPublisher.start(
            etcd, replicaId, rejections, RejectionPublisher.PERIOD, RejectionPublisher.TTL, clock);
  }

  /** Starts reading the other replicas' rejections and publishing this one's; returns at once. */
  public static SharedRejections start(Client etcd, String replicaId, Clock clock) {
    return new SharedRejections(
        requireNonNull(etcd, "etcd"),
        requireNonNull(replicaId, "replicaId"),
        requireNonNull(clock, "clock"));
  }

  /** The memory this replica's ADS service serves with. */
  public Rejections rejections() {
    return rejections;
  }

  /** The other replicas' rejections as this replica last read them. */
  public RejectionsView peers() {
    return peers;
  }

  /**
   * Publishes the last changes and stops; the published key stays until its lease ends. Close it
   * after the streams have ended and before the etcd client.
   */
  @Override
  public void close() {
    publisher.close();
    peers.close();
  }
}
