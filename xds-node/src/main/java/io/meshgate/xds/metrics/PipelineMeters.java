package io.meshgate.xds.metrics;

import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.meshca.MeshCaRoot;
import io.meshgate.meshbridge.meshca.RootSet;
import io.meshgate.xds.pipeline.AppliedRecords;
import io.meshgate.xds.pipeline.Holdoff;
import io.meshgate.xds.pipeline.PipelineMetrics;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The pipeline's meters, told after each build on its thread, and what is read from the last build
 * at each scrape: discovery's staleness and the certificates' expiry.
 */
final class PipelineMeters implements PipelineMetrics {
  /** The kinds of outside source discovery watches, as their names start. */
  static final List<String> SOURCE_KINDS = List.of("consul", "nomad", "dns");

  /** The stages of a build, in order. */
  static final List<String> STAGES = List.of("resolve", "translate", "validate", "pack");

  private final Counter complete;
  private final Counter partial;
  private final Counter failed;
  private final Timer build;
  private final Map<PipelineMetrics.Input, Counter> changes =
      new EnumMap<>(PipelineMetrics.Input.class);
  private final Map<Holdoff.Release, Counter> releases = new EnumMap<>(Holdoff.Release.class);
  private final Map<String, Timer> stages = new HashMap<>();
  private final AtomicLong groups = new AtomicLong();
  private final Map<String, AtomicLong> resources = new HashMap<>();
  private final AtomicReference<EndpointDiscovery.Discovered> discovered =
      new AtomicReference<>(EndpointDiscovery.Discovered.empty());
  private final AtomicReference<Optional<Instant>> workloadExpiry =
      new AtomicReference<>(Optional.empty());
  private final SnapshotStore store;
  private final Clock clock;
  private final Convergence.Events applied;
  private final EventAges ages;

  /** The revision of the last build told; pipeline thread only. */
  private long builtRevision = -1;

  PipelineMeters(
      MeterRegistry registry,
      SnapshotStore store,
      Supplier<Optional<RootSet>> meshCaRoots,
      Clock clock,
      Convergence.Events applied,
      EventAges ages) {
    this.store = store;
    this.clock = clock;
    this.applied = applied;
    this.ages = ages;
    this.complete = builds(registry, "complete");
    this.partial = builds(registry, "partial");
    this.failed = builds(registry, "failed");
    this.build =
        Timer.builder(NodeMetrics.BUILD)
            .description("One rebuild, inputs gathered to snapshots published")
            .serviceLevelObjectives(NodeMetrics.latencyBuckets())
            .register(registry);
    for (PipelineMetrics.Input input : PipelineMetrics.Input.values()) {
      changes.put(
          input,
          Counter.builder(NodeMetrics.CHANGES)
              .description("Changes of the pipeline's inputs, each of which wakes the holdoff")
              .tag("input", input.name().toLowerCase(Locale.ROOT))
              .register(registry));
    }
    for (Holdoff.Release release : Holdoff.Release.values()) {
      releases.put(
          release,
          Counter.builder(NodeMetrics.HOLDOFF_RELEASES)
              .description("Rebuilds the holdoff started, by what started them")
              .tag("by", release.name().toLowerCase(Locale.ROOT))
              .register(registry));
    }
    for (String stage : STAGES) {
      stages.put(
          stage,
          Timer.builder(NodeMetrics.BUILD_STAGE)
              .description("Time a build spent in each stage, summed over its groups")
              .tag("stage", stage)
              .serviceLevelObjectives(NodeMetrics.latencyBuckets())
              .register(registry));
    }
    Gauge.builder(NodeMetrics.GROUPS, groups, AtomicLong::get)
        .description("Proxy groups with a snapshot")
        .register(registry);
    for (String typeUrl : TypeUrls.ALL) {
      AtomicLong count = new AtomicLong();
      resources.put(typeUrl, count);
      Gauge.builder(NodeMetrics.RESOURCES, count, AtomicLong::get)
          .description("Resources in the snapshots, summed over the groups, by type")
          .tag("type", XdsMeters.shortType(typeUrl))
          .register(registry);
    }
    for (String kind : SOURCE_KINDS) {
      Gauge.builder(NodeMetrics.DISCOVERY_STALE, () -> staleSeconds(kind))
          .description(
              "The longest any source of the kind has not answered; 0 while all of them answer")
          .baseUnit("seconds")
          .tag("source", kind)
          .register(registry);
      for (String state : List.of("answering", "stale", "pending")) {
        Gauge.builder(NodeMetrics.DISCOVERY_SOURCES, () -> sources(kind, state))
            .description("Outside sources the config names, by kind and state")
            .tags("source", kind, "state", state)
            .register(registry);
      }
    }
    Gauge.builder(NodeMetrics.CERT_EXPIRY, () -> secondsUntil(workloadExpiry.get()))
        .description(
            "Until the earliest expiry of the workload certificates the last build was given")
        .baseUnit("seconds")
        .tag("kind", "workload")
        .register(registry);
    Gauge.builder(NodeMetrics.CERT_EXPIRY, () -> secondsUntil(rootExpiry(meshCaRoots.get())))
        .description("Until the newest mesh CA root expires, where this replica runs the mesh CA")
        .baseUnit("seconds")
        .tag("kind", "mesh_ca_root")
        .register(registry);
  }

  private static Counter builds(MeterRegistry registry, String outcome) {
    return Counter.builder(NodeMetrics.BUILDS)
        .description(
            "Builds: complete, or partial when a group failed and kept its last good snapshot,"
                + " or failed as a whole (nothing published)")
        .tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void changed(PipelineMetrics.Input input) {
    changes.get(input).increment();
  }

  @Override
  public void released(Holdoff.Release release) {
    releases.get(release).increment();
  }

  @Override
  public void failed() {
    failed.increment();
  }

  @Override
  public void built(
      SnapshotBuilder.Build build,
      Identities identities,
      EndpointDiscovery.Discovered discovered,
      long nanos) {
    (build.resolved().failed().isEmpty() ? complete : partial).increment();
    this.build.record(nanos, TimeUnit.NANOSECONDS);
    SnapshotBuilder.StageTimes times = build.times();
    stages.get("resolve").record(times.resolve(), TimeUnit.NANOSECONDS);
    stages.get("translate").record(times.translate(), TimeUnit.NANOSECONDS);
    stages.get("validate").record(times.validate(), TimeUnit.NANOSECONDS);
    stages.get("pack").record(times.pack(), TimeUnit.NANOSECONDS);
    Map<String, Long> counts = new HashMap<>();
    for (String group : store.groups()) {
      GroupSnapshot snapshot = store.get(group).orElse(null);
      if (snapshot != null) {
        for (String typeUrl : TypeUrls.ALL) {
          counts.merge(typeUrl, (long) snapshot.type(typeUrl).resources().size(), Long::sum);
        }
      }
    }
    resources.forEach((typeUrl, count) -> count.set(counts.getOrDefault(typeUrl, 0L)));
    groups.set(store.groups().size());
    this.discovered.set(discovered);
    this.workloadExpiry.set(earliestExpiry(identities));
    long revision = store.revision();
    if (revision > builtRevision) {
      for (AppliedRecords.Applied event : applied.between(builtRevision, revision)) {
        ages.observe(EventAges.Stage.BUILT, event.recordTimestamp());
      }
      builtRevision = revision;
    }
  }

  private static Optional<Instant> earliestExpiry(Identities identities) {
    Instant earliest = null;
    for (IdentitySnapshot snapshot : identities.snapshots()) {
      for (IssuedIdentity issued : snapshot.identities().values()) {
        if (earliest == null || issued.notAfter().isBefore(earliest)) {
          earliest = issued.notAfter();
        }
      }
    }
    return Optional.ofNullable(earliest);
  }

  private static Optional<Instant> rootExpiry(Optional<RootSet> roots) {
    Instant latest = null;
    for (MeshCaRoot root : roots.map(RootSet::roots).orElse(List.of())) {
      Instant notAfter = root.certificate().getNotAfter().toInstant();
      if (latest == null || notAfter.isAfter(latest)) {
        latest = notAfter;
      }
    }
    return Optional.ofNullable(latest);
  }

  /** NaN when nothing is known: Prometheus shows no value rather than a made-up one. */
  private double secondsUntil(Optional<Instant> at) {
    return at.map(t -> Duration.between(clock.instant(), t).toMillis() / 1000.0).orElse(Double.NaN);
  }

  private double staleSeconds(String kind) {
    Instant now = clock.instant();
    double longest = 0;
    for (EndpointDiscovery.SourceSummary source : summaries(kind)) {
      @Nullable Instant since = source.staleSince();
      if (since != null) {
        longest = Math.max(longest, Duration.between(since, now).toMillis() / 1000.0);
      }
    }
    return longest;
  }

  private double sources(String kind, String state) {
    int count = 0;
    for (EndpointDiscovery.SourceSummary source : summaries(kind)) {
      String actual =
          source.staleSince() != null
              ? "stale"
              : source.changedAt() == null ? "pending" : "answering";
      if (actual.equals(state)) {
        count++;
      }
    }
    return count;
  }

  /** {@code consul/dc1/web}, {@code consul-connect/dc1/web} → {@code consul}. */
  static String kindOf(String source) {
    int slash = source.indexOf('/');
    String kind = slash < 0 ? source : source.substring(0, slash);
    return kind.startsWith("consul") ? "consul" : kind;
  }

  /** The distinct sources of the kind the last build's Backends name. */
  private List<EndpointDiscovery.SourceSummary> summaries(String kind) {
    Map<String, EndpointDiscovery.SourceSummary> distinct = new HashMap<>();
    discovered
        .get()
        .sources()
        .values()
        .forEach(
            list ->
                list.stream()
                    .filter(s -> kindOf(s.source()).equals(kind))
                    .forEach(s -> distinct.putIfAbsent(s.source(), s)));
    return List.copyOf(distinct.values());
  }
}
