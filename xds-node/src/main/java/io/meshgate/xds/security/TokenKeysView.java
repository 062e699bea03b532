package io.meshgate.xds.security;

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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy-token keys under {@code /meshgate/v1/tokens/keys/}, held in memory: listed at one
 * revision R (in pages) and watched from R + 1, so a key deleted to revoke it is known here within
 * a second; a watch that fails, ends or was compacted makes it list again (backing off while etcd
 * is away), as RejectionsView does. A stored value that does not read counts as no key.
 *
 * <p>Until the first list it knows of no key, yet {@link #isLive} says every kid is live: a replica
 * must not end streams because it has not read etcd yet. After a failure it keeps the keys it had
 * until the next list succeeds.
 *
 * <p>Threading: one thread of its own lists, watches and builds the map; readers read the latest
 * map from any thread.
 */
public final class TokenKeysView implements LivePublicKeys, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TokenKeysView.class);
  private static final String PREFIX_TEXT = Keyspace.tokenKey("");
  private static final ByteSequence PREFIX = ByteSequence.from(PREFIX_TEXT, UTF_8);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  private final Client etcd;
  private final ScheduledThreadPoolExecutor thread;

  // Confined to the thread. A session is one list and the watch that follows it; callbacks of an
  // older session are dropped.
  private final Map<String, PublicKeyEntry> byKid = new HashMap<>();
  private long session;
  private Watch.Watcher watcher;
  private int failures;

  // Null until the first list.
  private volatile @Nullable Map<String, PublicKeyEntry> keys;
  private volatile boolean closed;

  private TokenKeysView(Client etcd) {
    this.etcd = requireNonNull(etcd, "etcd");
    this.thread =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "meshgate-token-keys-view");
              t.setDaemon(true);
              return t;
            });
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** Starts reading and returns at once. Does not own the client: close the view first. */
  public static TokenKeysView open(Client etcd) {
    TokenKeysView view = new TokenKeysView(etcd);
    view.run(view::list);
    return view;
  }

  /** Whether the keys were listed at least once. */
  @Override
  public boolean loaded() {
    return keys != null;
  }

  /**
   * @throws IllegalStateException before the first list: the verifier then keeps what it has
   */
  @Override
  public List<PublicKeyEntry> publicKeys() {
    Map<String, PublicKeyEntry> now = keys;
    if (now == null) {
      throw new IllegalStateException("the proxy-token keys were not listed from etcd yet");
    }
    return List.copyOf(now.values());
  }

  /** The key {@code kid} as etcd holds it now; empty if deleted (revoked) or never listed. */
  @Override
  public Optional<PublicKeyEntry> find(String kid) {
    Map<String, PublicKeyEntry> now = keys;
    return now == null ? Optional.empty() : Optional.ofNullable(now.get(kid));
  }

  /** Whether tokens signed by {@code kid} still verify; every kid is live until the first list. */
  public boolean isLive(String kid) {
    Map<String, PublicKeyEntry> now = keys;
    return now == null || now.containsKey(kid);
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
    Map<String, PublicKeyEntry> read = new HashMap<>();
    long revision;
    try {
      PagedRead.Listing listed =
          PagedRead.all(etcd.getKVClient(), PREFIX_TEXT, TIMEOUT)
              .get(4 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      revision = listed.revision();
      for (KeyValue kv : listed.kvs()) {
        decode(kv).ifPresent(entry -> read.put(entry.kid(), entry));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      retry("cannot list " + PREFIX_TEXT, e);
      return;
    }
    byKid.clear();
    byKid.putAll(read);
    publish();
    failures = 0;
    log.debug("listed {} proxy-token keys at revision {}", byKid.size(), revision);
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
      retry("cannot watch " + PREFIX_TEXT, e);
    }
  }

  private void onWatchResponse(long watching, WatchResponse response) {
    if (watching != session) {
      return;
    }
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      String kid = kv.getKey().toString(UTF_8).substring(PREFIX_TEXT.length());
      switch (event.getEventType()) {
        case PUT ->
            decode(kv)
                .ifPresentOrElse(entry -> byKid.put(entry.kid(), entry), () -> byKid.remove(kid));
        case DELETE -> {
          if (byKid.remove(kid) != null) {
            log.info("proxy-token key kid={} was deleted: its tokens are refused", kid);
          }
        }
        default -> {}
      }
    }
    publish();
  }

  private void onWatchError(long watching, Throwable error) {
    if (watching != session) {
      return;
    }
    Throwable cause = unwrap(error);
    if (cause instanceof CompactedException) {
      log.info("watch of {} was compacted; listing again", PREFIX_TEXT);
      list();
      return;
    }
    retry("watch of " + PREFIX_TEXT + (error == null ? " ended" : " failed"), cause);
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
    keys = Map.copyOf(byKid);
  }

  private static Optional<PublicKeyEntry> decode(KeyValue kv) {
    String etcdKey = kv.getKey().toString(UTF_8);
    try {
      TokenKey key = TokenKey.parse(kv.getValue().toString(UTF_8), etcdKey);
      if (!etcdKey.equals(Keyspace.tokenKey(key.kid()))) {
        throw new IllegalArgumentException(etcdKey + ": holds kid " + key.kid());
      }
      return Optional.of(key.publicEntry());
    } catch (IllegalArgumentException e) {
      log.warn("skipping unreadable proxy-token key: {}", e.getMessage());
      return Optional.empty();
    }
  }

  private void run(Runnable task) {
    try {
      thread.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              // A bug, not etcd: start over from a fresh list.
              log.error("token keys view failed; listing again", e);
              retry("token keys view failed", e);
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
