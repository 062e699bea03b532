package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.testkit.ConsulApiDouble.Instance;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica watching Consul (testkit's {@link ConsulApiDouble}) for a Backend published with {@code
 * meshgate apply}: its status says when Consul stops answering and when it answers again.
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

      // when it answers again
      consul.start();

      // then
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(cli("status", "backend/web", "-n", "shop").out())
                      .contains("SourceAnswering"));
    }
  }
}
