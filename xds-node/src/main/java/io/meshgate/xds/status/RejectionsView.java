package io.meshgate.xds.status;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.PagedRead;
import io.meshgate.xds.serve.NodeRejection;
import io.meshgate.xds.serve.PeerRejections;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the other replicas published under {@code /meshgate/v1/rejections/}, held in memory as a
 * {@link RejectionIndex} that streams read without I/O. It lists the prefix as it was at one
 * revision R — the keys first, then each value at R, since each value may be up to 512 KiB and
 * together they could pass gRPC's 4 MiB limit on a response — and watches it from R + 1; a watch
 * that fails, ends or was compacted makes it list again (backing off while etcd is away), as
 * config-store's ConfigView does. Its own replica's key is left out. A value that does not decode
 * counts as no rejections of that replica.
 *
 * <p>Threading: one thread of its own lists, watches and builds the index; {@link #find} reads the
 * latest index from any thread.
 */
public final class RejectionsView implements PeerRejections, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RejectionsView.class);
  private static final ByteSequence PREFIX = ByteSequence.from(Keyspace.rejectionsPrefix(), UTF_8);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  private final Client etcd;
  private final String replicaId;
  private final ScheduledThreadPoolExecutor thread;

  // Confined to the thread. A session is one list and the watch that follows it; callbacks of an
  // older session are dropped.
  private final Map<String, List<NodeRejection>> byReplica = new TreeMap<>();
  private long session;
  private Watch.Watcher watcher;
  private int failures;

  private volatile RejectionIndex index = RejectionIndex.EMPTY;
  private volatile boolean closed;

  private RejectionsView(Client etcd, String replicaId) {
    this.etcd = requireNonNull(etcd, "etcd");
    this.replicaId = requireNonNull(replicaId, "replicaId");
    this.thread =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "meshgate-rejections-view");
              t.setDaemon(true);
              return t;
            });
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /**
   * Starts reading and returns at once; until the first list, it knows of no rejection. Does not
   * own the client: close the view first.
   */
  public static RejectionsView open(Client etcd, String replicaId) {
    RejectionsView view = new RejectionsView(etcd, replicaId);
    view.run(view::list);
    return view;
  }

  @Override
  public Optional<Found> find(String group, String nodeId, String typeUrl) {
    return index.find(group, nodeId, typeUrl);
  }

  /** The index streams read now. */
  public RejectionIndex index() {
    return index;
  }

  @Override
  public void close() {
    closed = true;
    run(this::newSession);
    thread.shutdown();
    try {
      if (!thread.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        thread.shutdownNow(); // a list waiting on etcd
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- on the view's thread

  private void list() {
    if (closed) {
      return;
    }
    long listing = newSession();
    Map<String, List<NodeRejection>> read = new TreeMap<>();
    long revision;
    try {
      // In pages at one revision: a few replicas' keys of up to 512 KiB pass gRPC's 4 MiB.
      PagedRead.Listing listed =
          PagedRead.all(etcd.getKVClient(), Keyspace.rejectionsPrefix(), TIMEOUT)
              .get(4 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      revision = listed.revision();
      for (KeyValue kv : listed.kvs()) {
        String replica = replicaOf(kv);
        if (!replica.equals(replicaId)) {
          read.put(replica, decode(replica, kv));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      retry("cannot list " + Keyspace.rejectionsPrefix(), e);
      return;
    }
    byReplica.clear();
    byReplica.putAll(read);
    publish();
    failures = 0;
    log.debug("listed rejections of {} replicas at revision {}", byReplica.size(), revision);
    watchFrom(listing, revision + 1);
  }

  private void watchFrom(long watching, long revision) {
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision).build();
    try {
      watcher =
          etcd.getWatchClient()
              .watch(
                  PREFIX,
                  option,
                  Watch.listener(
                      response -> run(() -> onWatchResponse(watching, response)),
                      error -> run(() -> onWatchError(watching, error)),
                      () -> run(() -> onWatchError(watching, null))));
    } catch (RuntimeException e) {
      retry("cannot watch " + Keyspace.rejectionsPrefix(), e);
    }
  }

  private void onWatchResponse(long watching, WatchResponse response) {
    if (watching != session) {
      return;
    }
    boolean changed = false;
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      String replica = replicaOf(kv);
      if (replica.equals(replicaId)) {
        continue;
      }
      switch (event.getEventType()) {
        case PUT -> byReplica.put(replica, decode(replica, kv));
        case DELETE -> byReplica.remove(replica);
        default -> {
          continue;
        }
      }
      changed = true;
    }
    if (changed) {
      publish();
    }
  }

  private void onWatchError(long watching, Throwable error) {
    if (watching != session) {
      return;
    }
    Throwable cause = unwrap(error);
    if (cause instanceof CompactedException) {
      log.info("watch of {} was compacted; listing again", Keyspace.rejectionsPrefix());
      list();
      return;
    }
    retry(
        "watch of " + Keyspace.rejectionsPrefix() + (error == null ? " ended" : " failed"), cause);
  }

  private void retry(String what, Throwable error) {
    newSession();
    failures++;
    long delay =
        Math.min(MIN_BACKOFF.toMillis() << Math.min(failures - 1, 16), MAX_BACKOFF.toMillis());
    log.warn("{}: {}; listing again in {} ms", what, error, delay);
    try {
      thread.schedule(this::list, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private long newSession() {
    session++;
    Watch.Watcher previous = watcher;
    watcher = null;
    if (previous != null) {
      try {
        previous.close();
      } catch (RuntimeException e) {
        log.debug("closing a watch failed", e);
      }
    }
    return session;
  }

  private void publish() {
    index = RejectionIndex.of(replicaId, byReplica);
  }

  private static List<NodeRejection> decode(String replica, KeyValue kv) {
    try {
      return PublishedRejections.decode(kv.getValue().toString(UTF_8));
    } catch (IllegalArgumentException e) {
      log.warn(
          "replica {}'s rejections at revision {} do not decode ({}); none of them are inherited",
          replica,
          kv.getModRevision(),
          e.getMessage());
      return List.of();
    }
  }

  private static String replicaOf(KeyValue kv) {
    return kv.getKey().toString(UTF_8).substring(Keyspace.rejectionsPrefix().length());
  }

  private void run(Runnable task) {
    try {
      thread.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              // A bug, not etcd: start over from a fresh list.
              log.error("rejections view failed; listing again", e);
              retry("rejections view failed", e);
            }
          });
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
