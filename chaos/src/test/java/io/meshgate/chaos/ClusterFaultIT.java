package io.meshgate.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fault suite's short profile, in the test command: three {@code meshgate node} processes, a
 * 3-member etcd, a Kafka broker, {@link Profile#SHORT}'s proxies and three grpc-java xDS clients;
 * the status leader killed, then its successor paused for 12 s, while events flow. The seed is
 * random per run and printed; rerun one with {@code -Dmeshgate.chaos.seed=SEED}. The timeline is
 * {@code chaos/target/chaos/timeline-SEED.log}.
 */
class ClusterFaultIT {
  @Test
  void theClusterConvergesAndLosesNothingWhileTheStatusLeaderIsKilledAndItsSuccessorPaused() {
    long seed = Long.getLong("meshgate.chaos.seed", new Random().nextLong());
    Path jar = Path.of("../xds-node/target/meshgate.jar");
    assertThat(Files.isRegularFile(jar)).as("the built jar at " + jar.toAbsolutePath()).isTrue();

    ChaosRun.Result result = new ChaosRun(seed, Profile.SHORT, jar, Path.of("target/chaos")).run();

    assertThat(result.findings())
        .as("seed %d, timeline %s", seed, result.timeline().toAbsolutePath())
        .isEmpty();
  }
}
