package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.event.EventPublisher;
import io.meshgate.testkit.grpc.EchoServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One seeded run: the cluster starts, proxies connect and proxyless gRPC clients call an echo
 * server through it ({@link GrpcCallers}), the producer publishes throughout while the nemesis
 * brings the profile's faults, everything is healed, and after the cluster had {@link #CONVERGENCE}
 * to settle the checker reads what happened. The seed fixes the events, the faults, their order and
 * their lengths; the timing of processes does not repeat exactly, so a rerun of a seed is the same
 * schedule, not the same interleaving.
 */
public final class ChaosRun {
  /**
   * How long after the last heal every event must have its outcome, the replicas must agree and
   * every proxy must hold what they serve. A replica killed with {@code kill -9} holds its Kafka
   * partitions until its consumer session times out (the suite's replicas: 10 s; Kafka's default,
   * 45 s, is allowed for as well), and a restarted JVM needs ~15 s on two cores before it serves;
   * 120 s covers both twice over.
   */
  public static final Duration CONVERGENCE = Duration.ofSeconds(120);

  /** What a run found. */
  public record Result(
      long seed, Profile profile, List<Fault> faults, List<String> findings, Path timeline) {
    public boolean passed() {
      return findings.isEmpty();
    }
  }

  private final long seed;
  private final Profile profile;
  private final Path jar;
  private final Path dir;

  public ChaosRun(long seed, Profile profile, Path jar, Path dir) {
    this.seed = seed;
    this.profile = requireNonNull(profile, "profile");
    this.jar = requireNonNull(jar, "jar");
    this.dir = requireNonNull(dir, "dir");
  }

  public Result run() {
    Random random = new Random(seed);
    List<Fault> faults = profile.faults(random, 3);
    Path timelineFile = dir.resolve("timeline-" + seed + ".log");
    List<String> findings = new ArrayList<>();
    try (Timeline timeline = new Timeline(timelineFile)) {
      timeline.log("run", "seed " + seed + ", profile " + profile);
      for (Fault fault : faults) {
        timeline.log("schedule", fault.describe());
      }
      ConfigStream stream = new ConfigStream(new Random(random.nextLong()), timeline);
      List<SimulatedEnvoy> proxies = new ArrayList<>();
      EchoServers echo = EchoServers.named("echo");
      GrpcCallers callers = null;
      try (ChaosCluster cluster = ChaosCluster.start(3, jar, dir, timeline);
          EventPublisher publisher =
              new EventPublisher(
                  cluster.kafka().bootstrapServers(),
                  Duration.ofSeconds(5),
                  Map.of("max.block.ms", "5000", "delivery.timeout.ms", "5000"))) {
        stream.publish(publisher, stream.gateway(), () -> false);
        echo.start();
        stream.publish(publisher, stream.echoBackend(echo.address("echo").getPort()), () -> false);
        callers = new GrpcCallers(cluster.adsAddresses(), timeline).start();
        List<String> addresses = cluster.adsAddresses();
        for (int i = 0; i < profile.proxies; i++) {
          SimulatedEnvoy.Protocol protocol =
              i % 2 == 0 ? SimulatedEnvoy.Protocol.DELTA : SimulatedEnvoy.Protocol.SOTW;
          proxies.add(
              new SimulatedEnvoy(
                      "envoy-" + i, ConfigStream.GATEWAY, protocol, addresses, i, timeline)
                  .start());
        }
        AtomicBoolean faultsOver = new AtomicBoolean();
        Random pacing = new Random(random.nextLong());
        Thread producer =
            new Thread(
                () -> {
                  while (!faultsOver.get()) {
                    if (!stream.publish(publisher, stream.next(), faultsOver::get)) {
                      return;
                    }
                    ChaosCluster.sleep(50 + pacing.nextInt(200));
                  }
                },
                "chaos-producer");
        producer.start();

        ChaosCluster.sleep(2_000);
        new Nemesis(cluster, timeline).run(faults, profile.gap);
        faultsOver.set(true);
        join(producer);
        cluster.healAll();
        timeline.log("run", "faults over, " + stream.published().size() + " events published");

        Checker checker = new Checker(cluster, stream, proxies);
        long deadline = System.nanoTime() + CONVERGENCE.toNanos();
        List<String> notYet = List.of("not checked");
        boolean recorded = false;
        while (System.nanoTime() < deadline) {
          recorded = recorded || checker.allRecorded();
          notYet = recorded ? checker.convergence() : List.of("outcomes not all recorded");
          if (notYet.isEmpty()) {
            break;
          }
          ChaosCluster.sleep(500);
        }
        timeline.log("run", "settled: " + (notYet.isEmpty() ? "yes" : notYet.size() + " findings"));
        if (!notYet.isEmpty()) {
          notYet.forEach(f -> findings.add("after " + CONVERGENCE.toSeconds() + " s: " + f));
        }
        findings.addAll(checker.findings());
        findings.addAll(callers.findings());
        timeline.log("run", "gRPC calls: " + callers.summary());
        for (Replica replica : cluster.replicas()) {
          timeline.log("run", replica.id() + " serves " + replica.groupVersions().orElse(Map.of()));
        }
      } finally {
        proxies.forEach(SimulatedEnvoy::close);
        if (callers != null) {
          callers.close();
        }
        echo.close();
      }
      findings.forEach(f -> timeline.log("FINDING", f));
      timeline.log(
          "run", findings.isEmpty() ? "PASSED" : "FAILED with " + findings.size() + " findings");
    }
    return new Result(seed, profile, faults, List.copyOf(findings), timelineFile);
  }

  private static void join(Thread thread) {
    try {
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
