package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.embedded.Tether;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped artifact: {@code java -jar target/meshgate.jar node} as its own process (Failsafe
 * runs after packaging), fed through the CLI, stopped with SIGTERM.
 */
class NodeProcessIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  @TempDir Path dir;

  @Test
  void aNodeProcessAppliesWhatTheCliPublishesAndStopsOnSigterm() throws Exception {
    // given: a node process
    Path log = dir.resolve("node.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                "target/meshgate.jar",
                "node",
                "--replica-id",
                "it-node")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("MESHGATE_KAFKA", kafka.bootstrapServers());
    builder.environment().put("MESHGATE_ETCD", etcd.endpointList());
    Process node = Tether.start(builder);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.readString(log).contains("is applying events"));

      // when
      Path file = dir.resolve("b.yaml");
      Files.writeString(
          file,
          "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: via-node}\nspec: {dns: {hostname: a.example.com, port: 80}}\n");
      CliRun applied =
          CliRun.run(
              Map.of(
                  "MESHGATE_KAFKA", kafka.bootstrapServers(), "MESHGATE_ETCD", etcd.endpointList()),
              dir.resolve("none.yaml"),
              "apply",
              "--wait",
              "-f",
              file.toString());

      // then
      assertThat(applied.exit()).as(applied.out() + Files.readString(log)).isZero();
      assertThat(applied.out()).contains("Backend/default/via-node: Accepted (generation 1)");
      assertThat(Files.readString(log))
          .contains("kafka=" + kafka.bootstrapServers())
          .contains("replica-id=it-node");
    } finally {
      node.destroy();
      assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }
    assertThat(Files.readString(log)).contains("meshgate node it-node stopping");
  }
}
