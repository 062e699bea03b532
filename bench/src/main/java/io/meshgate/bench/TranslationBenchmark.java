package io.meshgate.bench;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.TranslationCache;
import io.meshgate.xds.envoy.validate.PgvRules;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.resolve.Resolver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Config snapshot to group snapshots, as a replica's pipeline does it (issue 8's goals: full ≤ 500
 * ms, one changed route ≤ 5 ms, at 1,000 clusters / 5,000 routes / 20,000 endpoints).
 *
 * <ul>
 *   <li>{@code full}: a fresh builder, so everything is resolved, translated and packed.
 *   <li>{@code oneChangedRoute}: a warm builder given configs that alternate in one rule's path, so
 *       every build follows a build that differed from it in exactly one route (every other
 *       resource the same instance, as a replica's etcd view keeps them), and inputs made as the
 *       pipeline makes them ({@link PipelineInputs}).
 *   <li>{@code oneDiscoveredEndpoint}: a warm builder given endpoints that alternate in one
 *       endpoint a discovery source reports for one Backend (an EDS-only change).
 *   <li>{@code resolveOnly}: the baseline both include: resolving the config to IR.
 *   <li>{@code envoyRulesCheck}: Envoy's validation rules ({@link PgvRules}) over every resource of
 *       one full build, the part of {@code full} that checks them (a warm build checks only the
 *       resources whose bytes changed).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Thread)
public class TranslationBenchmark {
  private ConfigSnapshot config;
  private ConfigSnapshot changed;
  private SnapshotBuilder warm;
  private SnapshotBuilder warmEndpoints;
  private PipelineInputs warmInputs;
  private PipelineInputs warmEndpointsInputs;
  private EndpointSnapshot consul;
  private boolean flip;
  private List<EnvoyResource> built;

  @Setup(Level.Trial)
  public void setUp() {
    LargeConfig large = LargeConfig.issue8();
    config = large.snapshot();
    changed = large.withChangedRoute(config, 0);
    warm = new SnapshotBuilder();
    warmInputs = new PipelineInputs();
    warm.build(warmInputs.of(config));
    consul =
        new EndpointSnapshot(
            Map.of(
                new ResourceKey(Kind.BACKEND, "default", "svc-0"),
                List.of(new DiscoveredEndpoint("10.99.0.1", 8080, 1, "", "", "consul"))));
    warmEndpoints = new SnapshotBuilder();
    warmEndpointsInputs = new PipelineInputs();
    warmEndpoints.build(warmEndpointsInputs.of(config));
    ResolvedIr ir = Resolver.resolve(config, StaticEndpointSource.from(config));
    TranslationCache cache = new TranslationCache();
    built = new ArrayList<>();
    for (ProxyGroupIr group : ir.groups()) {
      GroupResources resources =
          EnvoyTranslator.translate(group, KeyRing.empty(), Identities.empty(), cache);
      built.addAll(resources.listeners());
      built.addAll(resources.routes());
      built.addAll(resources.clusters());
      built.addAll(resources.endpoints());
      built.addAll(resources.secrets());
    }
  }

  @Benchmark
  public int envoyRulesCheck() {
    int violations = 0;
    for (EnvoyResource resource : built) {
      violations += PgvRules.checkPacked(resource.packed()).size();
    }
    return violations;
  }

  @Benchmark
  public SnapshotBuilder.Build full() {
    return new SnapshotBuilder().build(Inputs.withoutKeys(config));
  }

  @Benchmark
  public SnapshotBuilder.Build oneChangedRoute() {
    flip = !flip;
    return warm.build(warmInputs.of(flip ? changed : config));
  }

  @Benchmark
  public SnapshotBuilder.Build oneDiscoveredEndpoint() {
    flip = !flip;
    return warmEndpoints.build(
        warmEndpointsInputs.of(config, flip ? consul : EndpointSnapshot.empty()));
  }

  @Benchmark
  public ResolvedIr resolveOnly() {
    return Resolver.resolve(config, StaticEndpointSource.from(config));
  }
}
