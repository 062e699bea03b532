package io.meshgate.xds.pipeline;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.discovery.Registrations;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.xds.identity.BridgeSources;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.issuers.IssuerDiscovery;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.resolve.MeshIdentities;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conductor: inputs in, group snapshots out, on one thread. Its inputs are the config snapshot
 * (with the endpoints it lists itself) and the key material of the config's certificate references;
 * a change of either wakes the holdoff, and a rebuild takes the latest of each. Endpoint input
 * (discovery's answers, registered Workloads) wakes it with the shorter endpoint holdoff. The key
 * loader is asked for the ring at each rebuild (it opens only what it has not opened, or what
 * changed on disk), so resolve and envoy get it as data; OIDC discovery is asked for its issuer
 * snapshot the same way, and a changed discovery document wakes the holdoff. Only groups whose IR
 * changed are translated and packed again (unchanged groups keep their snapshot, and their proxies
 * get no push).
 */
public final class Pipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

  /** How long a build waits for a newly watched source's first answer. */
  static final Duration FIRST_ANSWER = Duration.ofSeconds(5);

  /** How often the key loader checks the certificate files it read. */
  static final Duration KEY_FILE_CHECK = Duration.ofMillis(250);

  private final SnapshotStore store;
  private final KeyLoader keys;
  private final IssuerDiscovery issuers;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "meshgate-pipeline"));
  private final Holdoff holdoff;
  private final SnapshotBuilder builder;
  private final MeshSettings mesh;
  private final @Nullable IdentitySource identities;
  private final BridgeSources bridges;
  private final List<BuildListener> builtListeners = new CopyOnWriteArrayList<>();
  private volatile PipelineMetrics metrics = PipelineMetrics.NONE;

  /** What a build was made from and what it found, for the status writer. */
  @FunctionalInterface
  public interface BuildListener {
    /**
     * @param discovered what the outside sources (Consul, Nomad, DNS) held at the build: each
     *     Backend's source state and a summary of each source
     */
    void built(ConfigSnapshot config, ResolvedIr resolved, EndpointDiscovery.Discovered discovered);
  }

  /**
   * The endpoints the config lists and the registered Workloads it picks, and the mesh identities
   * its Envoys present, computed once per pair of inputs (an EDS change from Consul does not
   * compute them again).
   */
  private record ConfigInput(
      ConfigSnapshot config,
      Registrations registrations,
      EndpointSnapshot endpoints,
      Set<SpiffeId> identities,
      Set<SpiffeId> targets) {
    static ConfigInput of(
        ConfigSnapshot config,
        Registrations registrations,
        MeshSettings mesh,
        StaticEndpointSource listed) {
      return new ConfigInput(
          config,
          registrations,
          listed.endpoints(config, registrations),
          MeshIdentities.requiredBy(config, mesh),
          MeshIdentities.bridgeTargets(config));
    }
  }

  private volatile @Nullable ConfigSnapshot latest;
  private volatile Registrations registrations = Registrations.empty();
  // Confined to the pipeline's thread; the listed endpoints shared from one input to the next.
  private @Nullable ConfigInput input;
  private final StaticEndpointSource listed = new StaticEndpointSource();
  private volatile EndpointDiscovery.Discovered discovered = EndpointDiscovery.Discovered.empty();
  private volatile long pendingSince;
  private volatile long builtRevision = -1;
  private volatile @Nullable ResolvedIr lastResolved;
  private volatile long rebuilds;
  private volatile long buildStartedNanos;
  // The config revision whose rebuild last failed (logged at ERROR once); confined to the thread.
  private long failedRevision = -1;
  // Changes accepted so far (counted after their input is written), and how many of them the last
  // published build had read; the latter confined to the thread.
  private final AtomicLong changes = new AtomicLong();
  private long builtChanges;

  /** Without key material: listeners with certificates are left out, with a Problem. */
  public Pipeline(SnapshotStore store, Duration quiet, Duration max) {
    this(store, quiet, max, KeyLoader.none());
  }

  /** Owns {@code keys} from here: closing the pipeline closes it. */
  public Pipeline(SnapshotStore store, Duration quiet, Duration max, KeyLoader keys) {
    this(store, quiet, max, keys, MeshSettings.DEFAULTS, Optional.empty());
  }

  /**
   * Owns {@code keys} from here (closing the pipeline closes it); {@code identities} stays its
   * owner's. Without an identity source, Envoys get no mesh identity and wait for one.
   */
  public Pipeline(
      SnapshotStore store,
      Duration quiet,
      Duration max,
      KeyLoader keys,
      MeshSettings mesh,
      Optional<IdentitySource> identities) {
    this(store, quiet, max, keys, mesh, identities, BridgeSources.none());
  }

  /**
   * The same, with the identity sources of bridged meshes: each build's identities are the mesh
   * CA's snapshot, then each bridge source's, of the IDs the config needs. {@code bridges} stays
   * its owner's too.
   */
  public Pipeline(
      SnapshotStore store,
      Duration quiet,
      Duration max,
      KeyLoader keys,
      MeshSettings mesh,
      Optional<IdentitySource> identities,
      BridgeSources bridges) {
    this(store, quiet, max, keys, mesh, identities, bridges, IssuerDiscovery.none());
  }

  /**
   * The same, with OIDC discovery: each build's issuer snapshot is what {@code issuers} knows of
   * the issuers the config names, and a changed document wakes the holdoff. Owns {@code issuers}
   * from here (closing the pipeline closes it).
   */
  public Pipeline(
      SnapshotStore store,
      Duration quiet,
      Duration max,
      KeyLoader keys,
      MeshSettings mesh,
      Optional<IdentitySource> identities,
      BridgeSources bridges,
      IssuerDiscovery issuers) {
    this.store = requireNonNull(store, "store");
    this.issuers = requireNonNull(issuers, "issuers");
    this.keys = requireNonNull(keys, "keys");
    this.mesh = requireNonNull(mesh, "mesh");
    this.identities = identities.orElse(null);
    this.bridges = requireNonNull(bridges, "bridges");
    this.builder = new SnapshotBuilder(mesh);
    this.holdoff = new Holdoff(quiet, max, scheduler(), this::rebuild);
    keys.watchFiles(KEY_FILE_CHECK, this::keysChanged);
    // A certificate due or a root rotated: the next build re-issues, an SDS-only change.
    identities.ifPresent(source -> source.onChange(this::keysChanged));
    // A bridged mesh's leaf renewed, its roots rotated, or a bridge's source started or closed.
    bridges.onChange(this::keysChanged);
    // An issuer's discovery document fetched, changed, or failing (an unchanged one says nothing).
    issuers.onChange(this::keysChanged);
  }

  /** Takes a config snapshot (any thread); the rebuild follows on the pipeline's thread. */
  public void accept(ConfigSnapshot snapshot) {
    latest = requireNonNull(snapshot, "snapshot");
    metrics.changed(PipelineMetrics.Input.CONFIG);
    wake(holdoff::changed);
  }

  /**
   * Takes the Workloads agents hold registered now (any thread); an EDS-only change follows on the
   * pipeline's thread.
   */
  public void accept(Registrations registered) {
    registrations = requireNonNull(registered, "registered");
    metrics.changed(PipelineMetrics.Input.REGISTRATIONS);
    wake(holdoff::endpointsChanged);
  }

  /**
   * Takes what the outside sources (Consul) hold now (any thread); an EDS-only change follows on
   * the pipeline's thread.
   */
  public void accept(EndpointDiscovery.Discovered endpoints) {
    discovered = requireNonNull(endpoints, "endpoints");
    metrics.changed(PipelineMetrics.Input.DISCOVERY);
    wake(holdoff::endpointsChanged);
  }

  /**
   * A certificate file changed on disk, or an identity source (the mesh CA's, a bridge's) has new
   * certificates: the next rebuild reads them.
   */
  private void keysChanged() {
    metrics.changed(PipelineMetrics.Input.KEYS);
    wake(holdoff::changed);
  }

  /**
   * Tells the holdoff of a change (any thread, after the change's input was written), on the
   * pipeline's thread — unless a build published since has read it already. A change that comes
   * while a build runs waits on the thread until that build is over; were it handed to the holdoff
   * then, a build that took longer than the holdoff's leading edge would have each such change
   * start another whole rebuild, one after the other, of inputs the first of them already read.
   */
  private void wake(Runnable hold) {
    long change = changes.incrementAndGet();
    thread.execute(
        () -> {
          if (change > builtChanges) {
            hold.run();
          }
        });
  }

  /**
   * Called on the pipeline's thread after each build with its config and resolution (for the status
   * writer); must not block.
   */
  public void onBuilt(BuildListener listener) {
    builtListeners.add(listener);
  }

  /** Tells {@code metrics} of every build from now on. */
  public void metrics(PipelineMetrics metrics) {
    this.metrics = requireNonNull(metrics, "metrics");
  }

  /** The etcd revision of the config the current snapshots were built from; -1 before the first. */
  public long builtRevision() {
    return builtRevision;
  }

  public long rebuilds() {
    return rebuilds;
  }

  /**
   * When the latest build started, in {@link System#nanoTime()}: a build listener reads it for the
   * build it is told of (a trace's build span).
   */
  public long buildStartedNanos() {
    return buildStartedNanos;
  }

  /** The last resolution's IR and problems (for /debug and the status writer). */
  public @Nullable ResolvedIr lastResolved() {
    return lastResolved;
  }

  /**
   * One rebuild, guarded: a rebuild that throws (a bug, or stored config an earlier release
   * accepted and this one cannot use) publishes nothing — every proxy keeps its last good config —
   * and is logged once per config revision at ERROR (again at DEBUG while the same revision keeps
   * failing, as every endpoint change retries it); the next change tries again.
   */
  private void rebuild() {
    Holdoff.Release release = holdoff.lastRelease();
    if (release != null) {
      metrics.released(release);
    }
    try {
      build();
    } catch (RuntimeException e) {
      ConfigSnapshot config = latest;
      long revision = config == null ? -1 : config.revision();
      metrics.failed();
      if (revision != failedRevision) {
        failedRevision = revision;
        log.error(
            "building config revision {} failed; every proxy keeps its last good config until a"
                + " later revision builds",
            revision,
            e);
      } else {
        log.debug("building config revision {} failed again", revision, e);
      }
    }
  }

  private void build() {
    // Read before the inputs: every change counted up to here has written its input already.
    long readChanges = changes.get();
    ConfigSnapshot config = latest;
    if (config == null) {
      return;
    }
    Registrations registered = registrations;
    if (input == null || input.config() != config || input.registrations() != registered) {
      input = ConfigInput.of(config, registered, mesh, listed);
    }
    ConfigInput input = this.input;
    long started = System.nanoTime();
    EndpointDiscovery.Discovered outside = discovered;
    if (outside.pending().isEmpty()) {
      pendingSince = 0;
    } else if (waitForSources(outside)) {
      return;
    }
    buildStartedNanos = started;
    KeyRing ring = keys.ringFor(input.config());
    IssuerSnapshot discovered = issuers.snapshotFor(input.config());
    Identities issued =
        bridges.snapshotsFor(
            input.identities(),
            input.targets(),
            identities == null
                ? Optional.empty()
                : Optional.of(identities.snapshotFor(input.identities())));
    SnapshotBuilder.Build build =
        builder.build(
            new Inputs(
                input.config(),
                input.endpoints().with(outside.endpoints()),
                ring,
                issued,
                discovered));
    store.replaceAll(build.snapshots(), input.config().revision());
    builtChanges = readChanges;
    lastResolved = build.resolved();
    builtRevision = input.config().revision();
    rebuilds++;
    builtListeners.forEach(l -> l.built(input.config(), build.resolved(), outside));
    metrics.built(build, issued, outside, System.nanoTime() - started);
    log.debug(
        "rebuilt revision {} in {} ms: {} groups, {} translated, {} problems, {}",
        input.config().revision(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        build.snapshots().size(),
        build.translated(),
        build.resolved().problems().size(),
        ring);
  }

  /**
   * True while a source the config names has not answered for the first time, for at most {@link
   * #FIRST_ANSWER}: a replica that starts must not tell its proxies that a Consul service has no
   * endpoints before Consul has said so. The answer's arrival wakes the holdoff again.
   */
  private boolean waitForSources(EndpointDiscovery.Discovered outside) {
    long now = System.nanoTime();
    if (pendingSince == 0) {
      pendingSince = now;
    }
    if (now - pendingSince < FIRST_ANSWER.toNanos()) {
      thread.schedule(holdoff::changed, FIRST_ANSWER.toNanos(), TimeUnit.NANOSECONDS);
      log.debug("waiting for the first answer of {}", outside.pending());
      return true;
    }
    log.warn(
        "building without a first answer from the sources of {} after {}",
        outside.pending(),
        FIRST_ANSWER);
    return false;
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
    keys.close();
    issuers.close();
  }
}
