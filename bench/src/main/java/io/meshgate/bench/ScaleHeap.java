package io.meshgate.bench;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.resolve.Resolver;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Heap retained by a {@link SnapshotBuilder} and its last build (issue 24 §6), and what one change
 * makes a warm builder redo. For each config: the heap in use after a full GC holding the config
 * alone, then holding the config, a builder and its build; the difference is what the builder and
 * snapshots retain. The mesh's figure per sidecar group is the mesh's retained heap minus that of
 * the same services and routes without sidecars, divided by the sidecars. Then, on the warm
 * builder, one build of each change: groups translated (the ones the change reaches) and the stage
 * times ({@link SnapshotBuilder.StageTimes}). Each figure is printed; {@code bin/bench heap} runs
 * it ({@code -Xmx4g}).
 */
public final class ScaleHeap {
  private static final int RUNS = 3;

  private ScaleHeap() {}

  public static void main(String[] args) throws Exception {
    MeshConfig mesh = MeshConfig.issue24();
    for (int run = 1; run <= RUNS; run++) {
      long withSidecars = retained(mesh.snapshot(), "mesh (2,000 sidecars)");
      long without = retained(mesh.withoutSidecars().snapshot(), "mesh without sidecars");
      System.out.printf(
          Locale.ROOT,
          "run %d: per sidecar group %.1f KiB ((%d - %d) / %d)%n",
          run,
          (withSidecars - without) / 1024.0 / mesh.sidecars(),
          withSidecars,
          without,
          mesh.sidecars());
      retained(LargeConfig.issue24Gateway().snapshot(), "gateway (10,000 routes)");
    }
    irAndHistogram(mesh.snapshot());
    System.out.println("service 0's endpoint reaches " + mesh.callersOf(0) + " sidecars");
    ConfigSnapshot meshBase = mesh.snapshot();
    changes("mesh one endpoint", meshBase, mesh.withChangedEndpoint(meshBase));
    changes("mesh one route", meshBase, mesh.withChangedRoute(meshBase));
    LargeConfig gateway = LargeConfig.issue24Gateway();
    ConfigSnapshot gatewayBase = gateway.snapshot();
    changes("gateway one endpoint", gatewayBase, gateway.withChangedEndpoint(gatewayBase, 0));
    changes("gateway one route", gatewayBase, gateway.withChangedRoute(gatewayBase, 0));
  }

  /** Bytes a builder and its build of {@code config} hold, after a full GC, beyond the config. */
  private static long retained(ConfigSnapshot config, String label) {
    long before = usedAfterGc();
    SnapshotBuilder builder = new SnapshotBuilder();
    long started = System.nanoTime();
    SnapshotBuilder.Build build = builder.build(Inputs.withoutKeys(config));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    long after = usedAfterGc();
    long resources =
        build.snapshots().stream()
            .flatMap(s -> s.types().values().stream())
            .mapToLong(t -> t.resources().size())
            .sum();
    SnapshotBuilder.StageTimes t = build.times();
    System.out.printf(
        Locale.ROOT,
        "%s: %d groups, %d resources, first build %d ms (resolve %.0f, translate %.0f, validate"
            + " %.0f, pack %.0f ms), retained %.1f MiB (%d bytes)%n",
        label,
        build.snapshots().size(),
        resources,
        millis,
        t.resolve() / 1e6,
        t.translate() / 1e6,
        t.validate() / 1e6,
        t.pack() / 1e6,
        (after - before) / 1024.0 / 1024.0,
        after - before);
    // Held until here, so the second measurement sees them.
    if (builder.hashCode() == build.hashCode()) {
      System.out.print("");
    }
    return after - before;
  }

  /**
   * The heap's profile: what the resolved IR alone retains (the builder keeps each group's last
   * IR), then the top of a class histogram ({@code jcmd GC.class_histogram}, live objects) while
   * this process holds a builder and its build of {@code config}.
   */
  private static void irAndHistogram(ConfigSnapshot config) throws Exception {
    long before = usedAfterGc();
    ResolvedIr ir = Resolver.resolve(config, StaticEndpointSource.from(config));
    long after = usedAfterGc();
    System.out.printf(
        Locale.ROOT,
        "resolved IR alone: %d groups, retained %.1f MiB%n",
        ir.groups().size(),
        (after - before) / 1024.0 / 1024.0);
    SnapshotBuilder builder = new SnapshotBuilder();
    SnapshotBuilder.Build build = builder.build(Inputs.withoutKeys(config));
    Process jcmd =
        new ProcessBuilder(
                "jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    List<String> lines =
        new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    jcmd.waitFor();
    System.out.println("class histogram with the mesh's builder and build (top 25):");
    lines.stream().limit(28).forEach(System.out::println);
    if (builder.hashCode() == build.hashCode() || ir.hashCode() == 0) {
      System.out.print("");
    }
  }

  /** On a warm builder, builds alternating between the two configs; prints the last few. */
  private static void changes(String label, ConfigSnapshot config, ConfigSnapshot changed) {
    SnapshotBuilder builder = new SnapshotBuilder();
    builder.build(Inputs.withoutKeys(config));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ConfigSnapshot next = i % 2 == 0 ? changed : config;
      long started = System.nanoTime();
      SnapshotBuilder.Build build = builder.build(Inputs.withoutKeys(next));
      long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started);
      SnapshotBuilder.StageTimes t = build.times();
      lines.add(
          String.format(
              Locale.ROOT,
              "%s: %.1f ms, %d of %d groups translated; resolve %.1f, translate %.1f,"
                  + " validate %.1f, pack %.1f ms",
              label,
              micros / 1000.0,
              build.translated(),
              build.snapshots().size(),
              t.resolve() / 1e6,
              t.translate() / 1e6,
              t.validate() / 1e6,
              t.pack() / 1e6));
    }
    lines.subList(lines.size() - 3, lines.size()).forEach(System.out::println);
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
