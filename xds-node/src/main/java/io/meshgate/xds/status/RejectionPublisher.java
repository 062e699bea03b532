package io.meshgate.xds.status;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.store.Keyspace;
import io.meshgate.xds.pipeline.Holdoff;
import io.meshgate.xds.pipeline.Scheduler;
import io.meshgate.xds.serve.NodeRejection;
import io.meshgate.xds.serve.Rejections;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what this replica's proxies rejected ({@link Rejections#recent}) under {@code
 * /meshgate/v1/rejections/<replica>}, for the other replicas' streams to inherit; format and bounds
 * in {@link PublishedRejections}. Written when it changed, at most once a {@code period}: a {@link
 * Holdoff} whose quiet time and longest hold are both the period, so a lone NACK is written at once
 * and a burst once a period.
 *
 * <p>The key lives under a lease of its own, kept alive while the replica runs and not revoked on
 * close: the memory outlives a graceful stop or a crash by the lease's TTL — when the replica's
 * proxies reconnect elsewhere — and then etcd removes it. (The ACK summaries, in contrast, end with
 * the replica: {@link AckReporter} revokes their lease.) Before its first write it reads what an
 * earlier run of this replica left under the key and adopts it ({@link Rejections#adopt}), so a
 * restarted replica, which keeps its id, does not overwrite its predecessor's memory with its own.
 * A lost lease (etcd away longer than the TTL) is replaced and the key written again.
 *
 * <p>Threading: one thread of its own reads, decides and writes; change notices are handed to it.
 */
public final class RejectionPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RejectionPublisher.class);

  /** The shortest time between two writes. */
  public static final Duration PERIOD = Duration.ofMillis(500);

  /** How long a replica's rejections outlive it. */
  public static final Duration TTL = Duration.ofMinutes(5);

  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final Client etcd;
  private final String replicaId;
  private final ByteSequence key;
  private final Rejections rejections;
  private final Duration period;
  private final Duration ttl;
  private final Clock clock;
  private final ScheduledThreadPoolExecutor thread;
  private final Holdoff holdoff;

  // Confined to the thread.
  private boolean adopted;
  private boolean closing;
  private String written;
  private int dropped;
  private long lease;
  private AutoCloseable keepAlive;
  private int failures;

  private RejectionPublisher(
      Client etcd,
      String replicaId,
      Rejections rejections,
      Duration period,
      Duration ttl,
      Clock clock) {
    this.etcd = requireNonNull(etcd, "etcd");
    this.replicaId = requireNonNull(replicaId, "replicaId");
    this.key = ByteSequence.from(Keyspace.rejections(replicaId), UTF_8);
    this.rejections = requireNonNull(rejections, "rejections");
    this.period = requireNonNull(period, "period");
    this.ttl = requireNonNull(ttl, "ttl");
    this.clock = requireNonNull(clock, "clock");
    this.thread =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "meshgate-rejections");
              t.setDaemon(true);
              return t;
            });
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.holdoff = new Holdoff(period, period, scheduler(), this::write);
  }

  /**
   * Starts publishing {@code rejections} as {@code replicaId}'s; returns at once. Does not own the
   * client: close the publisher first.
   */
  public static RejectionPublisher start(
      Client etcd,
      String replicaId,
      Rejections rejections,
      Duration period,
      Duration ttl,
      Clock clock) {
    RejectionPublisher publisher =
        new RejectionPublisher(etcd, replicaId, rejections, period, ttl, clock);
    publisher.run(publisher::adopt);
    return publisher;
  }

  /**
   * Writes what changed since the last write, if it can within a few seconds, and stops. The lease
   * is left to expire: the other replicas go on inheriting these rejections for its TTL.
   */
  @Override
  public void close() {
    run(
        () -> {
          closing = true;
          write();
          closeKeepAlive();
        });
    thread.shutdown();
    try {
      if (!thread.awaitTermination(2 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- on the publisher's thread

  private void adopt() {
    if (closing) {
      return;
    }
    List<NodeRejection> earlier;
    try {
      GetResponse response =
          etcd.getKVClient().get(key).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      earlier =
          response.getKvs().isEmpty()
              ? List.of()
              : PublishedRejections.decode(response.getKvs().get(0).getValue().toString(UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (IllegalArgumentException e) {
      log.warn(
          "an earlier run's rejections do not decode ({}); starting without them", e.getMessage());
      earlier = List.of();
    } catch (Exception e) {
      log.debug("cannot read {}, retrying: {}", Keyspace.rejections(replicaId), e.toString());
      later(this::adopt);
      return;
    }
    // Changes from now on reach the holdoff; those made before are in the first write.
    rejections.onChange(() -> run(this::changed));
    rejections.adopt(earlier);
    adopted = true;
    if (!earlier.isEmpty()) {
      log.info(
          "took over {} rejections an earlier run of replica {} published",
          earlier.size(),
          replicaId);
    }
    holdoff.changed();
  }

  private void changed() {
    if (!closing) {
      holdoff.changed();
    }
  }

  private void write() {
    if (!adopted) {
      return; // nothing is written before the predecessor's memory is read
    }
    PublishedRejections.Encoded value =
        PublishedRejections.encode(rejections.recent(PublishedRejections.MAX_ENTRIES));
    if (lease != 0 && value.json().equals(written)) {
      return;
    }
    try {
      if (lease == 0) {
        long granted =
            etcd.getLeaseClient()
                .grant(ttl.toSeconds())
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .getID();
        lease = granted;
        keepAlive = etcd.getLeaseClient().keepAlive(granted, new LeaseWatch(granted));
      }
      etcd.getKVClient()
          .put(
              key,
              ByteSequence.from(value.json(), UTF_8),
              PutOption.builder().withLeaseId(lease).build())
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      written = value.json();
      failures = 0;
      if (value.dropped() > 0 && dropped == 0) {
        // Once per stretch over the bounds, not on every write.
        log.info(
            "publishing the latest {} rejections; {} older ones stay on this replica only",
            value.published(),
            value.dropped());
      }
      dropped = value.dropped();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // etcd is away, or the lease expired with it: a new lease and the whole value, later.
      log.debug("rejections not written, retrying: {}", e.toString());
      dropLease();
      if (!closing) {
        later(this::changed);
      }
    }
  }

  /** The keep-alive of {@code lease} failed or ended: the key may be gone with it. */
  private void leaseLost(long lost) {
    if (lost != lease || closing) {
      return;
    }
    log.debug("lease {} of {} lost; writing it again", lost, Keyspace.rejections(replicaId));
    dropLease();
    holdoff.changed();
  }

  private void dropLease() {
    closeKeepAlive();
    lease = 0;
    written = null;
  }

  private void closeKeepAlive() {
    if (keepAlive != null) {
      try {
        keepAlive.close();
      } catch (Exception e) {
        // nothing to keep alive any more
      }
      keepAlive = null;
    }
  }

  /** Runs {@code task} after a backoff that grows with the failures in a row. */
  private void later(Runnable task) {
    failures++;
    long delay = Math.min(period.toMillis() << Math.min(failures - 1, 16), MAX_BACKOFF.toMillis());
    try {
      thread.schedule(() -> guarded(task), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void run(Runnable task) {
    try {
      thread.execute(() -> guarded(task));
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void guarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.error("publishing rejections failed", e);
    }
  }

  private Scheduler scheduler() {
    return new Scheduler() {
      @Override
      public Instant now() {
        return clock.instant();
      }

      @Override
      public Cancellable schedule(Runnable task, Duration delay) {
        try {
          var future = thread.schedule(() -> guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
          return () -> future.cancel(false);
        } catch (RejectedExecutionException e) {
          return () -> {}; // closed
        }
      }
    };
  }

  /** Hands the fate of one lease's keep-alive to the publisher's thread. */
  private final class LeaseWatch implements StreamObserver<LeaseKeepAliveResponse> {
    private final long watched;

    LeaseWatch(long watched) {
      this.watched = watched;
    }

    @Override
    public void onNext(LeaseKeepAliveResponse value) {}

    @Override
    public void onError(Throwable t) {
      run(() -> leaseLost(watched));
    }

    @Override
    public void onCompleted() {
      run(() -> leaseLost(watched));
    }
  }
}
