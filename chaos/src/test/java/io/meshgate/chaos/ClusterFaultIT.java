package io.meshgate.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fault suite's short profile, in the test command: three {@code meshgate node} processes, a
 * 3-member etcd, a Kafka broker and {@link Profile#SHORT}'s proxies, the status leader killed and a
 * replica paused while events flow. The seed is random per run and printed; rerun one with {@code
 * -Dmeshgate.chaos.seed=SEED}. The timeline is {@code chaos/target/chaos/timeline-SEED.log}.
 */
class ClusterFaultIT {
  @Test
  void theClusterConvergesAndLosesNothingWhileTheStatusLeaderIsKilledAndAReplicaPaused() {
    long seed = Long.getLong("meshgate.chaos.seed", new Random().nextLong());
    Path jar = Path.of("../xds-node/target/meshgate.jar");
    assertThat(Files.isRegularFile(jar)).as("the built jar at " + jar.toAbsolutePath()).isTrue();

    ChaosRun.Result result = new ChaosRun(seed, Profile.SHORT, jar, Path.of("target/chaos")).run();

    assertThat(result.findings())
        .as("seed %d, timeline %s", seed, result.timeline().toAbsolutePath())
        .isEmpty();
  }
}
