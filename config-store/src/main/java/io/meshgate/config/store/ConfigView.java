package io.meshgate.config.store;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.Client;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchable read view of every stored resource: every reader of config reads through one.
 *
 * <p>A {@link PrefixView} of {@link Keyspace#resourcesPrefix()}: it lists everything under the
 * prefix as it was at one revision R (in pages, see {@link PagedRead}), delivers a snapshot at R,
 * then watches the prefix from R + 1 and delivers a new snapshot after each watch response. It
 * never gives up: a watch error is taken as a reason to verify, not as a dead watch, so the view
 * drops that watch, lists again and watches from the new list's revision (backing off while etcd is
 * unreachable); a watch whose start revision was compacted is replaced the same way. A value that
 * does not decode, or that holds another resource than its key names, is logged and left out.
 *
 * <p>Threading contract: listener calls run on the view's one thread, in revision order, never
 * concurrently, and only when the revision grew. {@link #current()} and {@link #awaitRevision} see
 * a snapshot once the listener has returned from it, so a caller that awaited a revision knows the
 * listener has handled it. The listener must not block for long: it holds up every later snapshot.
 * It may close the view.
 */
public final class ConfigView implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigView.class);

  private final Consumer<ConfigSnapshot> listener;
  private final Delivered<ConfigSnapshot> delivered = new Delivered<>(ConfigSnapshot.empty());
  private final PrefixView<Resource> view;

  // Confined to the view's thread: the last listing, and the same resources by ResourceKey.
  private SortedMap<String, Resource> listed = Collections.emptySortedMap();
  private final TreeMap<ResourceKey, Resource> resources = new TreeMap<>();

  private ConfigView(Client client, Consumer<ConfigSnapshot> listener) {
    this.listener = requireNonNull(listener, "listener");
    // Started by open(), once this view is whole: the listener may close it from the first call.
    this.view =
        new PrefixView<>(
            client,
            Keyspace.resourcesPrefix(),
            "config-view",
            log,
            ConfigView::decode,
            this::onListing);
  }

  /**
   * Starts a view and returns at once; the first snapshot follows when the first list succeeds. The
   * view does not own the client: close the view before the client.
   */
  public static ConfigView open(Client client, Consumer<ConfigSnapshot> listener) {
    ConfigView configView = new ConfigView(client, listener);
    configView.view.start();
    return configView;
  }

  /** The latest delivered snapshot; empty at revision 0 before the first list. */
  public ConfigSnapshot current() {
    return delivered.current();
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
    return delivered.await(revision, timeout);
  }

  /** Stops watching and ends the view's thread; does not close the client. */
  @Override
  public void close() {
    if (delivered.close()) {
      view.close();
    }
  }

  // ---- test hooks

  /** Test hook: drops the watch and keeps the state, as a view whose watch has fallen behind. */
  void suspendWatch() throws Exception {
    view.suspendWatch();
  }

  /** Test hook: watches again from just after the state's revision, as a lagging watch would. */
  void resumeWatch() throws Exception {
    view.resumeWatch();
  }

  // ---- on the view's thread

  private static @Nullable Resource decode(String path, byte[] value, long modRevision) {
    ResourceKey key;
    try {
      key = Keyspace.parseResourceKey(path);
    } catch (IllegalArgumentException e) {
      log.warn("skipping {}: {}", path, e.getMessage());
      return null;
    }
    // A value that does not decode throws: PrefixView logs it with the path and revision.
    Resource resource = StoredValues.resource(value, modRevision);
    if (!resource.key().equals(key)) {
      log.warn("skipping {} at revision {}: it holds {}", path, modRevision, resource.key());
      return null;
    }
    return resource;
  }

  private void onListing(PrefixView.Listing<Resource> listing) {
    follow(listing.values());
    ConfigSnapshot snapshot = new ConfigSnapshot(listing.revision(), resources);
    try {
      listener.accept(snapshot);
    } catch (RuntimeException e) {
      log.error("config view listener failed on revision {}", snapshot.revision(), e);
    }
    delivered.deliver(snapshot.revision(), snapshot);
  }

  /**
   * Brings {@link #resources} from the last listing to {@code next}. PrefixView decodes a key only
   * when it changes and hands the same instance on while it does not, so one pass over both
   * listings in key order, comparing values by identity, finds every change: no key is parsed or
   * sorted again, and a snapshot costs one copy of the map, as it did before PrefixView. (A fresh
   * list decodes every key again, and so replaces every resource.)
   */
  private void follow(SortedMap<String, Resource> next) {
    Iterator<Map.Entry<String, Resource>> before = listed.entrySet().iterator();
    Map.@Nullable Entry<String, Resource> old = before.hasNext() ? before.next() : null;
    for (Map.Entry<String, Resource> now : next.entrySet()) {
      while (old != null && old.getKey().compareTo(now.getKey()) < 0) {
        drop(old.getValue());
        old = before.hasNext() ? before.next() : null;
      }
      boolean sameKey = old != null && old.getKey().equals(now.getKey());
      if (!sameKey || old.getValue() != now.getValue()) {
        resources.put(now.getValue().key(), now.getValue());
      }
      if (sameKey) {
        old = before.hasNext() ? before.next() : null;
      }
    }
    while (old != null) {
      drop(old.getValue());
      old = before.hasNext() ? before.next() : null;
    }
    listed = next;
  }

  private void drop(Resource gone) {
    // Only if no other path put the same key since (two spellings of a kind name one resource).
    resources.remove(gone.key(), gone);
  }
}
