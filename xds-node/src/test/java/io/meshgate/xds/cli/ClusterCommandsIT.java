package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.store.Keyspace;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The commands that talk to Kafka and etcd, against real ones. */
class ClusterCommandsIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  @TempDir Path dir;

  @Test
  void applyPublishesOneRecordPerResourceKeyedByNamespaceWithItsHeaders() throws Exception {
    // given
    kafka.createTopic(ConfigEvent.TOPIC, 6);
    Path file = dir.resolve("echo.yaml");
    Files.writeString(
        file,
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo, namespace: shop}
        spec: {static: {endpoints: [{address: 10.0.0.5, port: 50051}]}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: other, namespace: billing}
        spec: {dns: {hostname: billing.example.com, port: 443}}
        """);

    // when
    CliRun run =
        CliRun.run(
            Map.of("MESHGATE_KAFKA", kafka.bootstrapServers()),
            dir.resolve("none.yaml"),
            "apply",
            "-f",
            file.toString());

    // then
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("Backend/shop/echo published")
        .contains("Backend/billing/other published");
    List<ConsumerRecord<String, byte[]>> records = consume(2);
    assertThat(records)
        .extracting(ConsumerRecord::key)
        .containsExactlyInAnyOrder("shop", "billing");
    ConsumerRecord<String, byte[]> echo =
        records.stream().filter(r -> r.key().equals("shop")).findFirst().orElseThrow();
    Map<String, String> headers = new HashMap<>();
    echo.headers().forEach(h -> headers.put(h.key(), new String(h.value(), UTF_8)));
    assertThat(headers)
        .containsEntry("ce_specversion", "1.0")
        .containsEntry("ce_type", "io.meshgate.resource.applied")
        .containsEntry("ce_subject", "Backend/shop/echo")
        .containsEntry("content-type", "application/json")
        .containsKeys("ce_id", "ce_time", "ce_source");
    assertThat(headers.get("ce_source")).startsWith("meshgate-cli/");
    assertThat(new String(echo.value(), UTF_8)).contains("\"name\":\"echo\"");
  }

  @Test
  void applyToAnUnreachableKafkaSaysSoWithinTheTimeout() throws Exception {
    Path file = dir.resolve("echo.yaml");
    Files.writeString(
        file,
        "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: echo}\nspec: {dns: {hostname: a.example.com, port: 80}}\n");

    CliRun run =
        CliRun.run("apply", "-f", file.toString(), "--kafka", "127.0.0.1:1", "--timeout", "2s");

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("cannot reach Kafka at 127.0.0.1:1 within 2s");
  }

  @Test
  void aPublishedSealKeyIsFoundInEtcdBySeal() throws Exception {
    // given
    Map<String, String> env = Map.of("MESHGATE_ETCD", etcd.endpointList());
    CliRun created =
        CliRun.run(
            env,
            dir.resolve("none.yaml"),
            "seal-key",
            "create",
            "--out",
            dir.resolve("keys").toString(),
            "--publish");
    assertThat(created.exit()).as(created.err()).isZero();
    String stored =
        etcd.client()
            .getKVClient()
            .get(ByteSequence.from(Keyspace.SEAL_PUBLIC, UTF_8))
            .get(5, TimeUnit.SECONDS)
            .getKvs()
            .get(0)
            .getValue()
            .toString(UTF_8);
    assertThat(stored).isEqualTo(Files.readString(dir.resolve("keys/seal.pub")));
    Path secret = dir.resolve("secret.yaml");
    Files.writeString(
        secret, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {token: abc123}\n");

    // when: no --pub, so the key comes from etcd
    CliRun sealed = CliRun.run(env, dir.resolve("none.yaml"), "seal", "-f", secret.toString());

    // then
    assertThat(sealed.exit()).as(sealed.err()).isZero();
    assertThat(sealed.out()).contains("sealed:").doesNotContain("abc123");
  }

  private List<ConsumerRecord<String, byte[]>> consume(int count) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerConfig("it-" + System.nanoTime()))) {
      consumer.subscribe(List.of(ConfigEvent.TOPIC));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }
}
