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
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchable read view of one etcd prefix, its values decoded: {@link ConfigView}, and in
 * xds-node the rejections and proxy-token key views, are built on it.
 *
 * <p>It lists everything under the prefix as it was at one revision R (in pages, see {@link
 * PagedRead}), delivers a {@link Listing} at R, then watches the prefix from R + 1 and delivers a
 * new listing after each watch response. It never gives up: a watch error is taken as a reason to
 * verify, not as a dead watch, so the view drops that watch, lists again and watches from the new
 * list's revision (backing off while etcd is unreachable); a watch whose start revision was
 * compacted is replaced the same way. A value the {@link Decoder} refuses is left out.
 *
 * <p>A key's value is decoded once per change to it (and once more for each fresh list): in
 * between, every listing holds the very same instance, so a listener may find what changed from one
 * listing to the next by identity.
 *
 * <p>Threading contract: listener calls run on the view's one thread, in revision order, never
 * concurrently, and only when the revision grew. {@link #current()} and {@link #awaitRevision} see
 * a listing once the listener has returned from it, so a caller that awaited a revision knows the
 * listener has handled it. The listener must not block for long: it holds up every later listing.
 * It may close the view. The decoder runs on the same thread.
 *
 * @param <V> what one stored value decodes to
 */
public final class PrefixView<V> implements AutoCloseable {
  private static final Logger defaultLog = LoggerFactory.getLogger(PrefixView.class);
  private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
  private static final AtomicInteger THREADS = new AtomicInteger();

  /**
   * Turns one stored key-value into a value; return null to leave the key out (log why yourself or
   * let PrefixView log); a thrown RuntimeException is logged by PrefixView with the key and
   * revision and the key is left out.
   */
  @FunctionalInterface
  public interface Decoder<V> {
    @Nullable V decode(String key, byte[] value, long modRevision);
  }

  /**
   * The values under the prefix at one revision, keyed by full etcd key, sorted. Immutable: readers
   * on any thread may hold and share it.
   *
   * @param revision the etcd revision this listing reflects; 0 before anything was read
   * @param values the decoded values by etcd key, in the key's natural (byte for ASCII) order
   */
  public record Listing<V>(long revision, SortedMap<String, V> values) {
    public Listing {
      if (revision < 0) {
        throw new IllegalArgumentException("revision: " + revision + " (expected: >= 0)");
      }
      requireNonNull(values, "values");
      // putAll into an empty TreeMap copies a naturally sorted map in one pass and sorts any other.
      TreeMap<String, V> copy = new TreeMap<>();
      copy.putAll(values);
      values = Collections.unmodifiableSortedMap(copy);
    }

    /** Nothing, at revision 0: what a view holds before its first list. */
    public static <V> Listing<V> empty() {
      return new Listing<>(0, new TreeMap<>());
    }
  }

  private final Client client;
  private final String prefix;
  private final ByteSequence prefixBytes;
  private final String name;
  private final Logger log;
  private final Decoder<V> decoder;
  private final Consumer<Listing<V>> listener;
  private final ScheduledThreadPoolExecutor thread;
  private volatile Thread viewThread;

  // Confined to the view's thread.
  private final TreeMap<String, V> values = new TreeMap<>();
  private long stateRevision;
  private long deliveredRevision;
  // One session is one list and the watch that follows it. Replacing the watch starts a new
  // session; callbacks that carry an older session's number are dropped, so a closed watch
  // cannot touch the state.
  private long session;
  private @Nullable CompletableFuture<PagedRead.Listing> pendingList;
  private Watch.@Nullable Watcher watcher;
  private int failures;
  private boolean suspended;

  private final Delivered<Listing<V>> delivered = new Delivered<>(Listing.empty());
  private volatile boolean closed;

  /** Not started: {@link ConfigView} builds one before it can take listings, then starts it. */
  PrefixView(
      Client client,
      String prefix,
      String name,
      Logger log,
      Decoder<V> decoder,
      Consumer<Listing<V>> listener) {
    this.client = requireNonNull(client, "client");
    this.prefix = requireNonNull(prefix, "prefix");
    this.name = requireNonNull(name, "name");
    this.log = requireNonNull(log, "log");
    this.decoder = requireNonNull(decoder, "decoder");
    this.listener = requireNonNull(listener, "listener");
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException(
          "prefix: '' (expected: a key prefix, not the whole store)");
    }
    this.prefixBytes = ByteSequence.from(prefix, UTF_8);
    this.thread =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread t = new Thread(task, "meshgate-" + name + "-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              viewThread = t;
              return t;
            });
    // A pending retry must not hold up close().
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /**
   * Starts a view of everything under {@code prefix} and returns at once; the first listing follows
   * when the first list succeeds. The view does not own the client: close the view before the
   * client.
   *
   * @param name a short kebab-case name for the view's thread ({@code meshgate-<name>-<n>}) and its
   *     log lines, e.g. {@code config-view}
   */
  public static <V> PrefixView<V> open(
      Client client,
      String prefix,
      String name,
      Decoder<V> decoder,
      Consumer<Listing<V>> listener) {
    return open(client, prefix, name, defaultLog, decoder, listener);
  }

  /**
   * As {@link #open(Client, String, String, Decoder, Consumer)}, logging to {@code log}: a view
   * built on this one keeps its lines under its own logger, where operators look for them.
   */
  public static <V> PrefixView<V> open(
      Client client,
      String prefix,
      String name,
      Logger log,
      Decoder<V> decoder,
      Consumer<Listing<V>> listener) {
    PrefixView<V> view = new PrefixView<>(client, prefix, name, log, decoder, listener);
    view.start();
    return view;
  }

  /** Starts listing; call once. */
  void start() {
    run(this::list);
  }

  /** The latest delivered listing; empty at revision 0 before the first list. */
  public Listing<V> current() {
    return delivered.current();
  }

  /**
   * The first listing at or beyond {@code revision}, once the listener has returned from it; the
   * current one if it is already there. Listings advance only with writes under the prefix, so wait
   * for a revision etcd returned for such a write: a revision made by writes elsewhere is reached
   * with the next write under the prefix.
   *
   * @throws TimeoutException if no such listing is delivered within {@code timeout}
   * @throws IllegalStateException if the view is or gets closed
   */
  public Listing<V> awaitRevision(long revision, Duration timeout)
      throws InterruptedException, TimeoutException {
    return delivered.await(revision, timeout);
  }

  /**
   * Stops watching and ends the view's thread, waiting for a listener call in progress unless
   * called from the listener; does not close the client.
   */
  @Override
  public void close() {
    if (!delivered.close()) {
      return;
    }
    closed = true;
    run(this::newSession);
    thread.shutdown();
    if (Thread.currentThread() == viewThread) {
      return; // closed from the listener: the thread ends once this call returns
    }
    try {
      if (!thread.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("{}: thread still busy {} after close", name, CLOSE_TIMEOUT);
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
    CompletableFuture<PagedRead.Listing> read;
    try {
      read = PagedRead.all(client.getKVClient(), prefix, PAGE_TIMEOUT);
    } catch (RuntimeException e) {
      retry("cannot list " + prefix, e);
      return;
    }
    pendingList = read;
    read.whenComplete((result, error) -> run(() -> onListed(listing, result, error)));
  }

  private void onListed(long listing, PagedRead.Listing result, @Nullable Throwable error) {
    if (listing != session) {
      return;
    }
    pendingList = null;
    if (error != null) {
      retry("cannot list " + prefix, error);
      return;
    }
    long revision = result.revision();
    values.clear();
    result.kvs().forEach(this::put);
    stateRevision = revision;
    log.debug("{}: listed {} keys under {} at revision {}", name, values.size(), prefix, revision);
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
                  prefixBytes,
                  option,
                  Watch.listener(
                      response -> run(() -> onWatchResponse(watching, response)),
                      error -> run(() -> onWatchError(watching, revision, error)),
                      () -> run(() -> onWatchCompleted(watching))));
    } catch (RuntimeException e) {
      retry("cannot watch " + prefix, e);
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
        case DELETE -> values.remove(event.getKeyValue().getKey().toString(UTF_8));
        default -> log.warn("{}: ignoring watch event of type {}", name, event.getEventType());
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
          "{}: watch of {} from revision {} was compacted (compacted at revision {}); re-listing",
          name,
          prefix,
          fromRevision,
          compacted.getCompactedRevision());
      list();
      return;
    }
    // jetcd reports a lost leader here and may go on delivering; whatever it means, a fresh list
    // at a known revision and a new watch from there is state the view can trust.
    retry("watch of " + prefix + " failed, verifying", cause);
  }

  private void onWatchCompleted(long watching) {
    if (watching != session) {
      return;
    }
    retry("watch of " + prefix + " ended", null);
  }

  private void retry(String what, @Nullable Throwable error) {
    newSession();
    failures++;
    long delay =
        Math.min(MIN_BACKOFF.toMillis() << Math.min(failures - 1, 16), MAX_BACKOFF.toMillis());
    log.warn("{}: {}: {}; re-listing in {} ms", name, what, describe(unwrap(error)), delay);
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
        log.debug("{}: closing a watch failed", name, e);
      }
    }
    return session;
  }

  private void put(KeyValue kv) {
    String key = kv.getKey().toString(UTF_8);
    V value;
    try {
      value = decoder.decode(key, kv.getValue().getBytes(), kv.getModRevision());
    } catch (RuntimeException e) {
      log.warn(
          "{}: skipping {} at revision {}: the value does not decode: {}",
          name,
          key,
          kv.getModRevision(),
          describe(e));
      values.remove(key);
      return;
    }
    if (value == null) {
      log.debug("{}: leaving out {} at revision {}", name, key, kv.getModRevision());
      values.remove(key);
      return;
    }
    values.put(key, value);
  }

  private void publish() {
    if (stateRevision <= deliveredRevision) {
      return;
    }
    deliveredRevision = stateRevision;
    Listing<V> listing = new Listing<>(stateRevision, values);
    try {
      listener.accept(listing);
    } catch (RuntimeException e) {
      log.error("{}: listener failed on revision {}", name, listing.revision(), e);
    }
    delivered.deliver(listing.revision(), listing);
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
      log.error("{}: failed; re-listing", name, e);
      retry("view failed", e);
    }
  }

  private static @Nullable Throwable unwrap(@Nullable Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String describe(@Nullable Throwable error) {
    if (error == null) {
      return "no error given";
    }
    String text = error.toString();
    Throwable cause = error.getCause();
    return cause == null || cause == error ? text : text + " (cause: " + cause + ")";
  }
}
