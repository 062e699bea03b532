package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.testkit.ConsulApiDouble.CheckStatus;
import io.meshgate.testkit.ConsulApiDouble.Instance;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica watching Consul (testkit's {@link ConsulApiDouble}) for a Backend published with {@code
 * meshgate apply}: its status says when Consul stops answering and when it answers again, and
 * {@code meshgate get -o yaml} shows the source's counts, index and times.
 */
class ConsulBackendIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  @TempDir Path dir;

  private CliRun cli(String... args) {
    return CliRun.run(
        Map.of("MESHGATE_KAFKA", kafka.bootstrapServers(), "MESHGATE_ETCD", etcd.endpointList()),
        dir.resolve("no-config.yaml"),
        args);
  }

  @Test
  void aConsulOutageShowsAsEndpointsStaleOnTheBackendAndClearsWhenConsulAnswers() throws Exception {
    try (ConsulApiDouble consul = ConsulApiDouble.create();
        XdsNode node =
            XdsNode.start(
                NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "consul-it")
                    .anyLoopbackPorts()
                    .consul(ConsulSettings.at(URI.create(consul.address())))
                    .build())) {
      // given: a Backend fed by Consul's web, with one instance
      consul.register("dc1", Instance.of("web", "web-1", "node-1", "10.0.0.1", 8080));
      Path file =
          Files.writeString(
              dir.resolve("web.yaml"),
              """
              apiVersion: meshgate.io/v1alpha1
              kind: Backend
              metadata: {name: web, namespace: shop}
              spec: {protocol: GRPC, consul: {service: web}}
              """);
      CliRun applied = cli("apply", "-f", file.toString(), "--wait", "--timeout", "30s");
      assertThat(applied.exit()).as(applied.out() + applied.err()).isZero();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(cli("status", "backend/web", "-n", "shop").out())
                      .contains("EndpointsStale")
                      .contains("SourceAnswering"));
      // and get -o yaml shows the source: its count, healthy count, index and when it changed
      JsonNode answering = sources();
      assertThat(answering).hasSize(1);
      assertThat(answering.get(0).path("source").asText()).isEqualTo("consul/local/web");
      assertThat(answering.get(0).path("endpoints").asInt()).isEqualTo(1);
      assertThat(answering.get(0).path("healthy").asInt()).isEqualTo(1);
      assertThat(answering.get(0).path("index").asLong()).isPositive();
      assertThat(Instant.parse(answering.get(0).path("changedAt").asText())).isNotNull();
      assertThat(answering.get(0).has("staleSince")).isFalse();

      // when a second instance registers, critical
      consul.register(
          "dc1",
          Instance.of("web", "web-2", "node-2", "10.0.0.2", 8080)
              .withCheckStatus(CheckStatus.CRITICAL));

      // then the counts follow, at a later index
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                JsonNode two = sources().get(0);
                assertThat(two.path("endpoints").asInt()).isEqualTo(2);
                assertThat(two.path("healthy").asInt()).isEqualTo(1);
                assertThat(two.path("index").asLong())
                    .isGreaterThan(answering.get(0).path("index").asLong());
              });

      // when Consul stops answering
      consul.stop();

      // then
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(cli("status", "backend/web", "-n", "shop").out())
                      .contains("SourceUnavailable")
                      .contains("consul/local/web has not answered since"));
      // and the source shows since when, its endpoints kept
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                JsonNode stale = sources().get(0);
                assertThat(stale.path("staleSince").asText()).isNotEmpty();
                assertThat(stale.path("endpoints").asInt()).isEqualTo(2);
              });

      // when it answers again
      consul.start();

      // then
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(cli("status", "backend/web", "-n", "shop").out())
                      .contains("SourceAnswering"));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(sources().get(0).has("staleSince")).isFalse());
    }
  }

  /** {@code status.endpoints} of {@code meshgate get backend/web -n shop -o yaml}. */
  private JsonNode sources() throws Exception {
    CliRun get = cli("get", "backend/web", "-n", "shop", "-o", "yaml");
    assertThat(get.exit()).as(get.out() + get.err()).isZero();
    JsonNode endpoints = Mappers.yaml().readTree(get.out()).path("status").path("endpoints");
    assertThat(endpoints.isArray()).as(get.out()).isTrue();
    return endpoints;
  }
}
