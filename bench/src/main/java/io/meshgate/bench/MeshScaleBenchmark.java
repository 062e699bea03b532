package io.meshgate.bench;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.resolve.Resolver;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The scale the mesh brings (issue 24 §6), through {@link SnapshotBuilder#build} as a replica's
 * pipeline runs it, on two configs ({@code shape}):
 *
 * <ul>
 *   <li>{@code mesh}: {@link MeshConfig#issue24()} — 2,000 sidecars, each its own group, 200
 *       services, 20 upstreams per sidecar (goals: full ≤ 2 s, one change ≤ 50 ms).
 *   <li>{@code gateway}: {@link LargeConfig#issue24Gateway()} — 10,000 routes, 5,000 clusters,
 *       50,000 endpoints on one gateway.
 * </ul>
 *
 * <p>{@code full}: a fresh builder. {@code oneEndpoint} / {@code oneRoute}: a warm builder fed
 * configs that alternate in one service's first endpoint / one route's path, so every build follows
 * one that differed from it in exactly that. {@code oneDiscoveredEndpoint}: the same with the
 * config unchanged and one endpoint a discovery source reports (Consul, say) for service 0 moving
 * instead. {@code resolveOnly}: the baseline all include. The heap the builds retain is {@link
 * ScaleHeap}'s ({@code bin/bench heap}). The warm builds' inputs are made as the pipeline makes
 * them ({@link PipelineInputs}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Thread)
public class MeshScaleBenchmark {
  @Param({"mesh", "gateway"})
  public String shape;

  private ConfigSnapshot config;
  private ConfigSnapshot changed;
  private SnapshotBuilder warm;
  private PipelineInputs inputs;
  private EndpointSnapshot[] discovered;
  private boolean flip;

  @Setup(Level.Trial)
  public void setUp(BenchmarkParams params) {
    String benchmark = params.getBenchmark();
    if (shape.equals("mesh")) {
      MeshConfig mesh = MeshConfig.issue24();
      config = mesh.snapshot();
      changed =
          benchmark.endsWith("oneRoute")
              ? mesh.withChangedRoute(config)
              : mesh.withChangedEndpoint(config);
    } else {
      LargeConfig gateway = LargeConfig.issue24Gateway();
      config = gateway.snapshot();
      changed =
          benchmark.endsWith("oneRoute")
              ? gateway.withChangedRoute(config, 0)
              : gateway.withChangedEndpoint(config, 0);
    }
    // Only the warm benchmarks keep a built builder: a second copy of every snapshot would skew
    // the others' garbage collection.
    if (benchmark.endsWith("oneRoute") || benchmark.endsWith("oneEndpoint")) {
      warm = new SnapshotBuilder();
      inputs = new PipelineInputs();
      warm.build(inputs.of(config));
      warm.build(inputs.of(changed));
    }
    if (benchmark.endsWith("oneDiscoveredEndpoint")) {
      ResourceKey first = config.ofKind(Kind.BACKEND).get(0).key();
      discovered = new EndpointSnapshot[2];
      for (int i = 0; i < 2; i++) {
        discovered[i] =
            new EndpointSnapshot(
                Map.of(
                    first,
                    List.of(new DiscoveredEndpoint("10.99.0.1", 30_001 + i, 1, "", "", "consul"))));
      }
      warm = new SnapshotBuilder();
      inputs = new PipelineInputs();
      warm.build(inputs.of(config, discovered[0]));
      warm.build(inputs.of(config, discovered[1]));
    }
  }

  @Benchmark
  public SnapshotBuilder.Build full() {
    return new SnapshotBuilder().build(Inputs.withoutKeys(config));
  }

  @Benchmark
  public SnapshotBuilder.Build oneEndpoint() {
    flip = !flip;
    return warm.build(inputs.of(flip ? config : changed));
  }

  @Benchmark
  public SnapshotBuilder.Build oneRoute() {
    flip = !flip;
    return warm.build(inputs.of(flip ? config : changed));
  }

  @Benchmark
  public SnapshotBuilder.Build oneDiscoveredEndpoint() {
    flip = !flip;
    return warm.build(inputs.of(config, discovered[flip ? 0 : 1]));
  }

  @Benchmark
  public ResolvedIr resolveOnly() {
    return Resolver.resolve(config, StaticEndpointSource.from(config));
  }
}
