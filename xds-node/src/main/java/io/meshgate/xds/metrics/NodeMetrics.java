package io.meshgate.xds.metrics;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.apply.Applier;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.meshbridge.meshca.RootSet;
import io.meshgate.xds.pipeline.AppliedRecords;
import io.meshgate.xds.pipeline.PipelineMetrics;
import io.meshgate.xds.serve.ServeMetrics;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Every meter of one replica, registered on its {@link MeterRegistry}: the names below
 * (Micrometer's dotted form; Prometheus gets them with underscores, base units and {@code _total}
 * on counters, as docs/metrics.md lists them), JVM and process meters from Micrometer's binders,
 * and the implementations the stages are handed ({@link #serve()}, {@link #pipeline()}, {@link
 * #applier()}).
 */
public final class NodeMetrics implements AutoCloseable {
  // xDS serving.
  static final String STREAMS = "meshgate.xds.streams";
  static final String RESPONSES = "meshgate.xds.responses";
  static final String RESPONSE_SIZE = "meshgate.xds.response.size";
  static final String ACKS = "meshgate.xds.acks";
  static final String NACKS = "meshgate.xds.nacks";
  static final String PUSH_QUEUE = "meshgate.xds.push.queue";
  static final String REFUSED = "meshgate.xds.streams.refused";
  static final String CONVERGENCE = "meshgate.config.convergence";
  static final String EVENT_AGE = "meshgate.config.event.age";

  // The applier.
  static final String APPLIER_EVENTS = "meshgate.applier.events";
  static final String APPLIER_APPLY = "meshgate.applier.apply";
  static final String APPLIER_TRANSACTION = "meshgate.applier.etcd.transaction";
  static final String APPLIER_LAG = "meshgate.applier.lag";

  // The pipeline.
  static final String BUILDS = "meshgate.pipeline.builds";
  static final String CHANGES = "meshgate.pipeline.changes";
  static final String HOLDOFF_RELEASES = "meshgate.pipeline.holdoff.releases";
  static final String BUILD = "meshgate.pipeline.build";
  static final String BUILD_STAGE = "meshgate.pipeline.build.stage";
  static final String GROUPS = "meshgate.pipeline.groups";
  static final String RESOURCES = "meshgate.pipeline.resources";

  // Discovery and identities.
  static final String DISCOVERY_STALE = "meshgate.discovery.stale";
  static final String DISCOVERY_SOURCES = "meshgate.discovery.sources";
  static final String DISCOVERY_SYNCS = "meshgate.discovery.syncs";
  static final String CERT_EXPIRY = "meshgate.identity.cert.expiry";

  /** The longest a response may be: gRPC's default maximum message size. */
  static final double MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

  private final EventAges ages;
  private final XdsMeters serve;
  private final ApplierMeters applier;
  private final PipelineMeters pipeline;
  private final DiscoveryMeters discovery;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  private NodeMetrics(
      MeterRegistry registry,
      Convergence.Events applied,
      SnapshotStore store,
      Supplier<Optional<RootSet>> meshCaRoots,
      Clock clock) {
    requireNonNull(registry, "registry");
    this.ages = new EventAges(registry, clock);
    this.serve = new XdsMeters(registry, applied, clock);
    this.applier = new ApplierMeters(registry, ages);
    this.pipeline = new PipelineMeters(registry, store, meshCaRoots, clock, applied, ages);
    this.discovery = new DiscoveryMeters(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  /**
   * Registers every meter of a replica.
   *
   * @param applied the events applied while the replica runs, by revision (convergence)
   * @param store the snapshots served (groups and resources)
   * @param meshCaRoots the mesh CA's roots, where this replica runs the CA (their expiry)
   */
  public static NodeMetrics register(
      MeterRegistry registry,
      AppliedRecords applied,
      SnapshotStore store,
      Supplier<Optional<RootSet>> meshCaRoots) {
    requireNonNull(applied, "applied");
    NodeMetrics metrics =
        new NodeMetrics(registry, applied::between, store, meshCaRoots, Clock.systemUTC());
    applied.onApplied(metrics::seen);
    return metrics;
  }

  /** This replica's watch told it of an applied event (on the watch's thread). */
  void seen(AppliedRecords.Applied applied) {
    ages.observe(EventAges.Stage.SEEN, applied.recordTimestamp());
  }

  /** For tests: the applied events as a function, and a clock of their own. */
  static NodeMetrics register(
      MeterRegistry registry,
      Convergence.Events applied,
      SnapshotStore store,
      Supplier<Optional<RootSet>> meshCaRoots,
      Clock clock) {
    return new NodeMetrics(registry, applied, store, meshCaRoots, clock);
  }

  /** What outside sources answer: hand to {@code EndpointDiscovery.onSync}. */
  public EndpointDiscovery.Syncs discovery() {
    return discovery;
  }

  /** What the ADS streams tell: hand to {@code AdsService.metrics}. */
  public ServeMetrics serve() {
    return serve;
  }

  /** What the pipeline tells: hand to {@code Pipeline.metrics}. */
  public PipelineMetrics pipeline() {
    return pipeline;
  }

  /** What the applier tells: its hooks. */
  public Applier.Hooks applier() {
    return applier;
  }

  /** Histogram buckets of latencies from a millisecond to two minutes. */
  static Duration[] latencyBuckets() {
    return new Duration[] {
      Duration.ofMillis(1),
      Duration.ofMillis(5),
      Duration.ofMillis(10),
      Duration.ofMillis(25),
      Duration.ofMillis(50),
      Duration.ofMillis(100),
      Duration.ofMillis(250),
      Duration.ofMillis(500),
      Duration.ofSeconds(1),
      Duration.ofMillis(2500),
      Duration.ofSeconds(5),
      Duration.ofSeconds(10),
      Duration.ofSeconds(30),
      Duration.ofSeconds(60),
      Duration.ofSeconds(120)
    };
  }

  @Override
  public void close() {
    gc.close();
  }
}
