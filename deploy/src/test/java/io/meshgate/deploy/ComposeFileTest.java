package io.meshgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * deploy/compose/compose.yaml as compose would read it (anchors and merge keys expanded): the
 * development estate's services, the replicas' settings and health check, the gateway's bootstrap
 * and the examples it applies. Parsed, not run: no Docker here.
 */
class ComposeFileTest {
  private static final Path COMPOSE = Path.of("compose/compose.yaml");

  private static JsonNode services() throws IOException {
    List<JsonNode> documents = DeployFiles.yaml(COMPOSE);
    assertThat(documents).hasSize(1);
    return documents.get(0).path("services");
  }

  private static String command(JsonNode service) {
    StringBuilder text = new StringBuilder();
    service.path("command").forEach(part -> text.append(part.asText()).append(' '));
    return text.toString().replaceAll("\\s+", " ").trim();
  }

  @Test
  void saysItIsForDevelopmentOnly() throws IOException {
    // given
    String first = Files.readAllLines(COMPOSE).get(0);

    // when / then
    assertThat(first).startsWith("# DEVELOPMENT ONLY");
  }

  @Test
  void theEstateHasEtcdAKraftKafkaThreeReplicasAGatewayAndApply() throws IOException {
    // given
    JsonNode services = services();
    Set<String> names = new TreeSet<>();
    services.fieldNames().forEachRemaining(names::add);

    // when / then
    assertThat(names)
        .containsExactlyInAnyOrder(
            "etcd", "kafka", "xds-1", "xds-2", "xds-3", "bootstrap", "envoy", "apply");
    assertThat(services.at("/etcd/image").asText()).startsWith("quay.io/coreos/etcd:");
    assertThat(services.at("/kafka/image").asText()).startsWith("apache/kafka:");
    assertThat(services.at("/kafka/environment/KAFKA_PROCESS_ROLES").asText())
        .isEqualTo("broker,controller");
    for (String replica : List.of("xds-1", "xds-2", "xds-3")) {
      JsonNode service = services.path(replica);
      assertThat(service.at("/build/dockerfile").asText()).isEqualTo("docker/Dockerfile");
      assertThat(Path.of("compose").resolve(service.at("/build/context").asText()).normalize())
          .as("the build context holds the Dockerfile")
          .isEqualTo(Path.of(""));
      assertThat(command(service)).isEqualTo("node");
      assertThat(service.at("/environment/MESHGATE_REPLICA_ID").asText()).isEqualTo(replica);
    }
  }

  @Test
  void replicasReadOnlySettingsTheNodeReadsOnItsDefaultPorts() throws IOException {
    // given
    Set<String> named = new TreeSet<>();
    JsonNode services = services();
    // Kafka's own settings are the broker's, not meshgate's.
    services
        .fields()
        .forEachRemaining(
            service -> {
              if (!service.getKey().equals("kafka")) {
                service.getValue().path("environment").fieldNames().forEachRemaining(named::add);
              }
            });
    int xds = DeployFiles.defaultPort("--xds-addr");
    int admin = DeployFiles.defaultPort("--admin-addr");

    // when / then
    assertThat(DeployFiles.settings()).containsAll(named);
    assertThat(DeployFiles.settingNames(Files.readString(COMPOSE)))
        .isSubsetOf(DeployFiles.settings());
    assertThat(services.at("/xds-2/environment/MESHGATE_XDS_ADDR").asText())
        .isEqualTo("0.0.0.0:" + xds);
    assertThat(services.at("/xds-3/environment/MESHGATE_ADMIN_ADDR").isMissingNode())
        .as("the admin port keeps its loopback default, which needs no token")
        .isTrue();
    assertThat(services.at("/xds-3/healthcheck/test").toString())
        .contains("/dev/tcp/127.0.0.1/" + admin)
        .contains("GET /readyz");
    assertThat(command(services.path("bootstrap")))
        .contains("--xds xds-1:" + xds + ",xds-2:" + xds + ",xds-3:" + xds);
  }

  @Test
  void theGatewayBootstrapNamesAGatewayTheAppliedExamplesDefine() throws IOException {
    // given
    JsonNode services = services();
    String bootstrap = command(services.path("bootstrap"));
    Set<String> gateways = new TreeSet<>();
    for (JsonNode resource : DeployFiles.yaml(Path.of("examples/echo.yaml"))) {
      if (resource.path("kind").asText().equals("Gateway")) {
        gateways.add(
            "--gateway "
                + resource.at("/metadata/name").asText()
                + " --namespace "
                + resource.at("/metadata/namespace").asText());
      }
    }

    // when / then
    assertThat(bootstrap).contains("meshgate bootstrap");
    assertThat(gateways).anyMatch(bootstrap::contains);
    assertThat(command(services.path("apply"))).isEqualTo("apply --wait -f /examples");
    assertThat(services.at("/apply/volumes/0").asText()).isEqualTo("../examples:/examples:ro");
    assertThat(services.at("/envoy/volumes/0").asText()).startsWith("envoy-bootstrap:");
    assertThat(services.at("/bootstrap/volumes/0").asText()).startsWith("envoy-bootstrap:");
  }

  @Test
  void noSecretValueIsInline() throws IOException {
    // given
    JsonNode services = services();

    // when / then: the development estate has no credential at all, so none can be inline
    services.forEach(
        service ->
            service
                .path("environment")
                .fieldNames()
                .forEachRemaining(
                    name ->
                        assertThat(name)
                            .doesNotContain("TOKEN")
                            .doesNotContain("PASSWORD")
                            .doesNotContain("SECRET")
                            .isNotEqualTo("MESHGATE_REDIS")));
    assertThat(DeployFiles.yaml(COMPOSE).get(0).has("secrets")).isFalse();
  }
}
