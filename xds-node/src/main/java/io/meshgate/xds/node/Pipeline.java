package io.meshgate.xds.node;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.xds.ingest.Holdoff;
import io.meshgate.xds.ingest.Scheduler;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.PrivateKeys;
import io.meshgate.xds.snapshot.ResourceCache;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Config snapshots in, group snapshots out, on one thread. A new config snapshot goes through the
 * holdoff; a rebuild resolves the latest one, and only groups whose IR changed are translated and
 * packed again (unchanged groups keep their snapshot, and their proxies get no push).
 */
public final class Pipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

  private final SnapshotStore store;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "meshgate-pipeline"));
  private final Holdoff holdoff;
  private final SnapshotBuilder builder;
  private volatile ConfigSnapshot latest;
  private volatile long builtRevision = -1;
  private volatile ResolvedIr lastResolved;
  private volatile long rebuilds;
  private final java.util.List<java.util.function.BiConsumer<ConfigSnapshot, ResolvedIr>>
      builtListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public Pipeline(SnapshotStore store, Duration quiet, Duration max) {
    this(store, quiet, max, PrivateKeys.withoutSealKey());
  }

  public Pipeline(SnapshotStore store, Duration quiet, Duration max, PrivateKeys keys) {
    this.store = store;
    this.builder = new SnapshotBuilder(keys);
    this.holdoff = new Holdoff(quiet, max, scheduler(), this::rebuild);
  }

  /** Takes a config snapshot (any thread); the rebuild follows on the pipeline's thread. */
  public void accept(ConfigSnapshot snapshot) {
    latest = snapshot;
    thread.execute(holdoff::changed);
  }

  /**
   * Called on the pipeline's thread after each build with its config and resolution (for the status
   * writer); must not block.
   */
  public void onBuilt(java.util.function.BiConsumer<ConfigSnapshot, ResolvedIr> listener) {
    builtListeners.add(listener);
  }

  /** The etcd revision of the config the current snapshots were built from; -1 before the first. */
  public long builtRevision() {
    return builtRevision;
  }

  public long rebuilds() {
    return rebuilds;
  }

  /** Resources reused from the previous build, and translated anew. */
  public ResourceCache cache() {
    return builder.cache();
  }

  /** The last resolution's IR and problems (for /debug and, later, the status loop). */
  public ResolvedIr lastResolved() {
    return lastResolved;
  }

  private void rebuild() {
    ConfigSnapshot config = latest;
    if (config == null) {
      return;
    }
    long started = System.nanoTime();
    SnapshotBuilder.Build build = builder.build(config);
    store.replaceAll(build.snapshots());
    lastResolved = build.resolved();
    builtRevision = config.revision();
    rebuilds++;
    builtListeners.forEach(l -> l.accept(config, build.resolved()));
    log.debug(
        "rebuilt revision {} in {} ms: {} groups, {} translated, {} problems",
        config.revision(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        build.snapshots().size(),
        build.translated(),
        build.resolved().problems().size());
  }

  private Scheduler scheduler() {
    return new Scheduler() {
      @Override
      public Instant now() {
        return Instant.now();
      }

      @Override
      public Cancellable schedule(Runnable task, Duration delay) {
        var future = thread.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
      }
    };
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
