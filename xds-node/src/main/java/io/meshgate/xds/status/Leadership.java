package io.meshgate.xds.status;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lease-bound election through one etcd key: the replica whose transaction creates the key (bound
 * to its lease) leads until the lease ends — it stops keeping it alive, crashes, or loses etcd for
 * longer than the TTL. The others poll the key and campaign when it is gone, so a new leader is in
 * place within the TTL plus one poll.
 *
 * <p>A leader steps down on its own once it has not renewed its lease for a TTL, before any other
 * replica can be elected, and its writes are fenced: {@link #fence()} is a comparison on the key's
 * create revision, so a deposed leader's transaction fails even if it has not noticed yet.
 */
public final class Leadership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Leadership.class);

  private final Client etcd;
  private final ByteSequence key;
  private final String replicaId;
  private final Duration ttl;
  private final Clock clock;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean revokeOnExit = true;
  private volatile long leadingRevision = -1;
  private volatile long lastRenewedMillis;

  public Leadership(Client etcd, String key, String replicaId, Duration ttl) {
    this.etcd = requireNonNull(etcd, "etcd");
    this.key = ByteSequence.from(requireNonNull(key, "key"), StandardCharsets.UTF_8);
    this.replicaId = requireNonNull(replicaId, "replicaId");
    this.ttl = requireNonNull(ttl, "ttl");
    this.clock = Clock.systemUTC();
    this.thread = new Thread(this::run, "meshgate-leadership");
    this.thread.setDaemon(true);
  }

  public Leadership start() {
    thread.start();
    return this;
  }

  /** Whether this replica leads now. */
  public boolean leading() {
    return leadingRevision > 0;
  }

  /** This replica's term (the election key's create revision) while it leads; -1 otherwise. */
  public long term() {
    return leadingRevision;
  }

  /** The guard a leader's writes carry: the election key still holds this replica's term. */
  public Cmp fence() {
    return fence(leadingRevision);
  }

  /**
   * The guard of writes meant for {@code term} ({@link #term()} as read before them): the election
   * key still holds that term.
   */
  public Cmp fence(long term) {
    return new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(term));
  }

  /** The replica this election campaigns for. */
  public String replicaId() {
    return replicaId;
  }

  /** The current leader's replica id, as etcd holds it; empty when none leads. */
  public Optional<String> leader() {
    try {
      List<KeyValue> kvs = etcd.getKVClient().get(key).get(5, TimeUnit.SECONDS).getKvs();
      return kvs.isEmpty()
          ? Optional.empty()
          : Optional.of(kvs.get(0).getValue().toString(StandardCharsets.UTF_8));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private void run() {
    long pollMillis = Math.max(200, ttl.toMillis() / 5);
    while (running) {
      long lease = 0;
      try {
        lease = etcd.getLeaseClient().grant(ttl.toSeconds()).get(5, TimeUnit.SECONDS).getID();
        lastRenewedMillis = clock.millis();
        long granted = lease;
        try (var keepAlive = etcd.getLeaseClient().keepAlive(lease, renewals(granted))) {
          TxnResponse txn =
              etcd.getKVClient()
                  .txn()
                  .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                  .Then(
                      Op.put(
                          key,
                          ByteSequence.from(replicaId, StandardCharsets.UTF_8),
                          PutOption.builder().withLeaseId(lease).build()))
                  .commit()
                  .get(5, TimeUnit.SECONDS);
          if (txn.isSucceeded()) {
            leadingRevision = txn.getHeader().getRevision();
            log.info("replica {} leads status writing (term {})", replicaId, leadingRevision);
            while (running && clock.millis() - lastRenewedMillis < ttl.toMillis()) {
              Thread.sleep(pollMillis);
            }
            leadingRevision = -1;
            if (running) {
              log.warn(
                  "replica {} steps down: its lease was not renewed for {} s",
                  replicaId,
                  ttl.toSeconds());
            }
          } else {
            // Another replica leads: wait until its key is gone (its lease ended), then campaign.
            while (running && held()) {
              Thread.sleep(pollMillis);
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        leadingRevision = -1;
        log.debug("election round failed, retrying: {}", e.toString());
        sleepQuietly(pollMillis);
      } finally {
        leadingRevision = -1;
        if (lease != 0 && revokeOnExit) {
          // Revoking frees the key at once, so a successor need not wait out the TTL.
          boolean interrupted = Thread.interrupted();
          try {
            etcd.getLeaseClient().revoke(lease).get(2, TimeUnit.SECONDS);
          } catch (Exception e) {
            // The lease ends by itself within the TTL.
          }
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }
  }

  private boolean held() throws Exception {
    return etcd.getKVClient()
            .get(key, GetOption.builder().withCountOnly(true).build())
            .get(5, TimeUnit.SECONDS)
            .getCount()
        > 0;
  }

  private StreamObserver<LeaseKeepAliveResponse> renewals(long lease) {
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse response) {
        if (response.getTTL() > 0) {
          lastRenewedMillis = clock.millis();
        }
      }

      @Override
      public void onError(Throwable t) {
        log.debug("keep-alive of lease {} failed: {}", lease, t.toString());
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops as a crashed replica would: no more renewals and no revocation, so the term ends only
   * when the lease expires (for tests of failover).
   */
  void abandon() {
    revokeOnExit = false;
    close();
  }

  /** Stops campaigning; a leader revokes its lease, so another replica takes over at once. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
