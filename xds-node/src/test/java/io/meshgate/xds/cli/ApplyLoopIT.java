package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.apply.Applier;
import io.meshgate.config.apply.ApplierSettings;
import io.meshgate.config.apply.Planner;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** apply / get / status / delete against a running applier, real Kafka and real etcd. */
class ApplyLoopIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  @TempDir Path dir;
  private Applier applier;
  private Map<String, String> env;
  private final String ns = "t" + UUID.randomUUID().toString().substring(0, 6);

  @BeforeEach
  void startApplier() {
    env = Map.of("MESHGATE_KAFKA", kafka.bootstrapServers(), "MESHGATE_ETCD", etcd.endpointList());
    applier = newApplier().start();
  }

  @AfterEach
  void stopApplier() {
    applier.close();
  }

  private Applier newApplier() {
    return new Applier(
        ApplierSettings.defaults(kafka.bootstrapServers(), "it")
            .withKafkaOverrides(
                Map.of(
                    ConsumerConfig.GROUP_PROTOCOL_CONFIG,
                    "classic",
                    ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                    3_000,
                    ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                    500)),
        etcd.client(),
        new Planner(Clock.systemUTC(), () -> UUID.randomUUID().toString()),
        Applier.Hooks.NONE);
  }

  private CliRun cli(String... args) {
    return CliRun.run(env, dir.resolve("no-config.yaml"), args);
  }

  private Path backendFile(String hostname) throws Exception {
    Path file = dir.resolve("echo-" + hostname + ".yaml");
    Files.writeString(
        file,
        "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: echo, namespace: "
            + ns
            + "}\n"
            + "spec: {dns: {hostname: "
            + hostname
            + ", port: 443}}\n");
    return file;
  }

  @Test
  void applyWaitGetAndStatusShowTheAcceptedResource() throws Exception {
    // when
    CliRun applied = cli("apply", "--wait", "-f", backendFile("a.example.com").toString());

    // then
    assertThat(applied.exit()).as(applied.out() + applied.err()).isZero();
    assertThat(applied.out()).contains("Backend/" + ns + "/echo: Accepted (generation 1)");

    CliRun one = cli("get", "backend/echo", "-n", ns, "-o", "json");
    assertThat(one.exit()).isZero();
    var tree = io.meshgate.config.codec.Mappers.json().readTree(one.out());
    assertThat(tree.path("spec").path("dns").path("hostname").asText()).isEqualTo("a.example.com");
    assertThat(tree.path("metadata").path("generation").asLong()).isEqualTo(1);
    assertThat(tree.path("status").path("conditions").get(0).path("type").asText())
        .isEqualTo("Accepted");
    assertThat(tree.path("status").path("lastEvent").path("outcome").asText())
        .isEqualTo("Accepted");

    CliRun list = cli("get", "BACKEND", "-n", ns);
    assertThat(list.out())
        .contains("NAMESPACE")
        .containsPattern(ns + " +echo +1 +Accepted")
        .contains("Accepted");

    CliRun listJson = cli("get", "backend", "-A", "-o", "json");
    assertThat(
            io.meshgate.config.codec.Mappers.json()
                .readTree(listJson.out())
                .path("items")
                .isArray())
        .isTrue();

    CliRun status = cli("status", "backend/echo", "-n", ns);
    assertThat(status.exit()).isZero();
    assertThat(status.out().lines().findFirst().orElseThrow())
        .startsWith("Accepted (generation 1, resourceVersion ");
    assertThat(status.out()).contains("Accepted  True").contains("Events (newest first):");
  }

  @Test
  void aRejectionByTheServerExitsThreeWithItsReasons() throws Exception {
    cli("apply", "--wait", "-f", backendFile("a.example.com").toString());

    CliRun stale =
        cli("apply", "--wait", "--if-revision", "1", "-f", backendFile("b.example.com").toString());

    assertThat(stale.exit()).isEqualTo(3);
    assertThat(stale.out()).contains("Rejected").contains("stale: expected resourceVersion 1");
    CliRun status = cli("status", "backend/echo", "-n", ns);
    assertThat(status.out().lines().findFirst().orElseThrow()).startsWith("Rejected (generation 1");
    assertThat(status.out()).contains("Reasons for ");
  }

  @Test
  void deleteWaitRecordsDeletedAndGetNoLongerFindsIt() throws Exception {
    cli("apply", "--wait", "-f", backendFile("a.example.com").toString());

    CliRun deleted = cli("delete", "Backend/echo", "-n", ns, "--wait");

    assertThat(deleted.exit()).as(deleted.out() + deleted.err()).isZero();
    assertThat(deleted.out()).contains("Deleted (generation 1)");
    assertThat(cli("get", "backend/echo", "-n", ns).exit()).isEqualTo(1);
    assertThat(cli("status", "backend/echo", "-n", ns).out()).startsWith("Deleted (not stored)");
  }

  @Test
  void statusSaysPendingWhileAnEventAwaitsTheApplier() throws Exception {
    // given: no applier running
    applier.close();

    // when
    CliRun published = cli("apply", "-f", backendFile("p.example.com").toString());
    assertThat(published.exit()).isZero();

    // then: Pending, until an applier runs
    assertThat(cli("status", "backend/echo", "-n", ns).out()).startsWith("Pending (not stored)");
    applier = newApplier().start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> cli("status", "backend/echo", "-n", ns).out().startsWith("Accepted"));
  }

  @Test
  void applyWaitTimesOutWithExitOneWhenNoApplierRuns() throws Exception {
    applier.close();

    CliRun run =
        cli("apply", "--wait", "--timeout", "2s", "-f", backendFile("t.example.com").toString());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("Pending (no outcome within 2 s; is meshgate node running?)");
  }
}
