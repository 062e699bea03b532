package io.meshgate.config.store;

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
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchable read view of every stored resource: every reader of config reads through one.
 *
 * <p>It lists everything under {@link Keyspace#resourcesPrefix()} as it was at one revision R (in
 * pages, see {@link PagedRead}), delivers a snapshot at R, then watches the prefix from R + 1 and
 * delivers a new snapshot after each watch response. It never gives up: a watch error is taken as a
 * reason to verify, not as a dead watch, so the view drops that watch, lists again and watches from
 * the new list's revision (backing off while etcd is unreachable); a watch whose start revision was
 * compacted is replaced the same way. A value that does not decode is logged and left out.
 *
 * <p>Threading contract: listener calls run on the view's one thread, in revision order, never
 * concurrently, and only when the revision grew. {@link #current()} and {@link #awaitRevision} see
 * a snapshot once the listener has returned from it, so a caller that awaited a revision knows the
 * listener has handled it. The listener must not block for long: it holds up every later snapshot.
 */
public final class ConfigView implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigView.class);
  private static final ByteSequence PREFIX = ByteSequence.from(Keyspace.resourcesPrefix(), UTF_8);
  private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Client client;
  private final Consumer<ConfigSnapshot> listener;
  private final ScheduledThreadPoolExecutor thread;
  private volatile Thread viewThread;

  // Confined to the view's thread.
  private final TreeMap<ResourceKey, Resource> resources = new TreeMap<>();
  private long stateRevision;
  private long deliveredRevision;
  // One session is one list and the watch that follows it. Replacing the watch starts a new
  // session; callbacks that carry an older session's number are dropped, so a closed watch
  // cannot touch the state.
  private long session;
  private CompletableFuture<PagedRead.Listing> pendingList;
  private Watch.Watcher watcher;
  private int failures;
  private boolean suspended;

  private final Object lock = new Object();
  // Guarded by lock.
  private ConfigSnapshot current = ConfigSnapshot.empty();
  private final List<Waiter> waiters = new ArrayList<>();
  private volatile boolean closed;

  private ConfigView(Client client, Consumer<ConfigSnapshot> listener) {
    this.client = requireNonNull(client, "client");
    this.listener = requireNonNull(listener, "listener");
    this.thread =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread t = new Thread(task, "meshgate-config-view-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              viewThread = t;
              return t;
            });
    // A pending retry must not hold up close().
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /**
   * Starts a view and returns at once; the first snapshot follows when the first list succeeds. The
   * view does not own the client: close the view before the client.
   */
  public static ConfigView open(Client client, Consumer<ConfigSnapshot> listener) {
    ConfigView view = new ConfigView(client, listener);
    view.run(view::list);
    return view;
  }

  /** The latest delivered snapshot; empty at revision 0 before the first list. */
  public ConfigSnapshot current() {
    synchronized (lock) {
      return current;
    }
  }

  /**
   * The first snapshot at or beyond {@code revision}, once the listener has returned from it; the
   * current one if it is already there. Snapshots advance only with writes under the resources
   * prefix, so wait for a revision etcd returned for such a write: a revision made by writes
   * elsewhere is reached with the next resource write.
   *
   * @throws TimeoutException if no such snapshot is delivered within {@code timeout}
   * @throws IllegalStateException if the view is or gets closed
   */
  public ConfigSnapshot awaitRevision(long revision, Duration timeout)
      throws InterruptedException, TimeoutException {
    requireNonNull(timeout, "timeout");
    Waiter waiter = new Waiter(revision, new CompletableFuture<>());
    synchronized (lock) {
      if (current.revision() >= revision) {
        return current;
      }
      if (closed) {
        throw new IllegalStateException("view closed before revision " + revision);
      }
      waiters.add(waiter);
    }
    try {
      return waiter.result().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | CancellationException e) {
      throw new IllegalStateException("view closed before revision " + revision, e);
    } catch (TimeoutException e) {
      throw new TimeoutException(
          "revision "
              + revision
              + " not reached within "
              + timeout
              + " (current: "
              + current().revision()
              + ")");
    } finally {
      synchronized (lock) {
        waiters.remove(waiter);
      }
    }
  }

  /** Stops watching and ends the view's thread; does not close the client. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      waiters.forEach(w -> w.result().cancel(false));
      waiters.clear();
    }
    run(this::newSession);
    thread.shutdown();
    if (Thread.currentThread() == viewThread) {
      return; // closed from the listener: the thread ends once this call returns
    }
    try {
      if (!thread.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("config view thread still busy {} after close", CLOSE_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- test hooks

  /** Test hook: drops the watch and keeps the state, as a view whose watch has fallen behind. */
  void suspendWatch() throws Exception {
    onViewThread(
        () -> {
          suspended = true;
          newSession();
        });
  }

  /** Test hook: watches again from just after the state's revision, as a lagging watch would. */
  void resumeWatch() throws Exception {
    onViewThread(
        () -> {
          suspended = false;
          newSession();
          watchFrom(stateRevision + 1);
        });
  }

  private void onViewThread(Runnable task) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    thread.execute(
        () -> {
          try {
            task.run();
            done.complete(null);
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
          }
        });
    done.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- on the view's thread

  private void list() {
    if (closed || suspended) {
      return;
    }
    long listing = newSession();
    try {
      pendingList = PagedRead.all(client.getKVClient(), Keyspace.resourcesPrefix(), PAGE_TIMEOUT);
    } catch (RuntimeException e) {
      retry("cannot list " + Keyspace.resourcesPrefix(), e);
      return;
    }
    pendingList.whenComplete((result, error) -> run(() -> onListed(listing, result, error)));
  }

  private void onListed(long listing, PagedRead.Listing result, Throwable error) {
    if (listing != session) {
      return;
    }
    pendingList = null;
    if (error != null) {
      retry("cannot list " + Keyspace.resourcesPrefix(), error);
      return;
    }
    long revision = result.revision();
    resources.clear();
    result.kvs().forEach(this::put);
    stateRevision = revision;
    log.debug("listed {} resources at revision {}", resources.size(), revision);
    publish();
    watchFrom(revision + 1);
  }

  private void watchFrom(long revision) {
    long watching = session;
    WatchOption option =
        WatchOption.builder()
            .isPrefix(true)
            .withRevision(revision)
            // The created notification tells the view that the watch stands: it resets backoff.
            .withCreateNotify(true)
            .build();
    try {
      watcher =
          client
              .getWatchClient()
              .watch(
                  PREFIX,
                  option,
                  Watch.listener(
                      response -> run(() -> onWatchResponse(watching, response)),
                      error -> run(() -> onWatchError(watching, revision, error)),
                      () -> run(() -> onWatchCompleted(watching))));
    } catch (RuntimeException e) {
      retry("cannot watch " + Keyspace.resourcesPrefix(), e);
    }
  }

  private void onWatchResponse(long watching, WatchResponse response) {
    if (watching != session) {
      return;
    }
    if (response.isCreatedNotify()) {
      failures = 0;
      return;
    }
    List<WatchEvent> events = response.getEvents();
    if (events.isEmpty()) {
      // Progress notifications are never asked for: etcd 3.4 can send one ahead of the events it
      // covers.
      return;
    }
    for (WatchEvent event : events) {
      switch (event.getEventType()) {
        case PUT -> put(event.getKeyValue());
        case DELETE -> remove(event.getKeyValue());
        default -> log.warn("ignoring watch event of type {}", event.getEventType());
      }
    }
    long header = response.getHeader().getRevision();
    long lastEvent = events.get(events.size() - 1).getKeyValue().getModRevision();
    // A watch that is caught up gets each revision's events with that revision in the header. A
    // watch catching up gets the current revision in the header, and etcd cuts such a batch after
    // 1000 revisions: the state is then exact at the last event, not known to be at the header.
    stateRevision = Math.min(header, lastEvent);
    publish();
  }

  private void onWatchError(long watching, long fromRevision, Throwable error) {
    if (watching != session) {
      return;
    }
    Throwable cause = unwrap(error);
    if (cause instanceof CompactedException compacted) {
      log.warn(
          "watch of {} from revision {} was compacted (compacted at revision {}); re-listing",
          Keyspace.resourcesPrefix(),
          fromRevision,
          compacted.getCompactedRevision());
      list();
      return;
    }
    // jetcd reports a lost leader here and may go on delivering; whatever it means, a fresh list
    // at a known revision and a new watch from there is state the view can trust.
    retry("watch of " + Keyspace.resourcesPrefix() + " failed, verifying", cause);
  }

  private void onWatchCompleted(long watching) {
    if (watching != session) {
      return;
    }
    retry("watch of " + Keyspace.resourcesPrefix() + " ended", null);
  }

  private void retry(String what, Throwable error) {
    newSession();
    failures++;
    long delay =
        Math.min(MIN_BACKOFF.toMillis() << Math.min(failures - 1, 16), MAX_BACKOFF.toMillis());
    log.warn("{}: {}; re-listing in {} ms", what, describe(unwrap(error)), delay);
    try {
      thread.schedule(() -> guarded(this::list), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /**
   * Starts a new session: the current list or watch, if any, is stopped and its callbacks dropped.
   */
  private long newSession() {
    session++;
    if (pendingList != null) {
      pendingList.cancel(false);
      pendingList = null;
    }
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

  private void put(KeyValue kv) {
    String path = kv.getKey().toString(UTF_8);
    ResourceKey key;
    try {
      key = Keyspace.parseResourceKey(path);
    } catch (IllegalArgumentException e) {
      log.warn("skipping {}: {}", path, e.getMessage());
      return;
    }
    Resource resource;
    try {
      resource = StoredValues.resource(kv.getValue().getBytes(), kv.getModRevision());
    } catch (RuntimeException e) {
      log.warn(
          "skipping {} at revision {}: the value does not decode: {}",
          path,
          kv.getModRevision(),
          describe(e));
      resources.remove(key);
      return;
    }
    if (!resource.key().equals(key)) {
      log.warn(
          "skipping {} at revision {}: it holds {}", path, kv.getModRevision(), resource.key());
      resources.remove(key);
      return;
    }
    resources.put(key, resource);
  }

  private void remove(KeyValue kv) {
    try {
      resources.remove(Keyspace.parseResourceKey(kv.getKey().toString(UTF_8)));
    } catch (IllegalArgumentException e) {
      // Never held: put skipped it.
    }
  }

  private void publish() {
    if (stateRevision <= deliveredRevision) {
      return;
    }
    deliveredRevision = stateRevision;
    ConfigSnapshot snapshot = new ConfigSnapshot(stateRevision, resources);
    try {
      listener.accept(snapshot);
    } catch (RuntimeException e) {
      log.error("config view listener failed on revision {}", snapshot.revision(), e);
    }
    synchronized (lock) {
      current = snapshot;
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter waiter = it.next();
        if (waiter.revision() <= snapshot.revision()) {
          waiter.result().complete(snapshot);
          it.remove();
        }
      }
    }
  }

  // ---- plumbing

  /** Runs a task on the view's thread; after close, drops it. */
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
      // A bug, not etcd: start over from a fresh list rather than serve a state of unknown shape.
      log.error("config view failed; re-listing", e);
      retry("config view failed", e);
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

  private static String describe(Throwable error) {
    if (error == null) {
      return "no error given";
    }
    String text = error.toString();
    Throwable cause = error.getCause();
    return cause == null || cause == error ? text : text + " (cause: " + cause + ")";
  }

  private record Waiter(long revision, CompletableFuture<ConfigSnapshot> result) {}
}
