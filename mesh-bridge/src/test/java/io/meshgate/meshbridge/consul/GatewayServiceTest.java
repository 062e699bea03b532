package io.meshgate.meshbridge.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The registration body of a gateway instance, as Consul's agent service API documents it. */
class GatewayServiceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static GatewayService service(Map<String, String> meta, Optional<String> namespace) {
    return new GatewayService(
        "edge-meshgate-0a1b2c3d4e",
        "edge",
        "10.0.0.7",
        8080,
        meta,
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        namespace);
  }

  @Test
  void theBodyIsAConnectNativeServiceWithATtlCheckConsulRemovesAfterAMinute() throws Exception {
    JsonNode body =
        JSON.readTree(
            service(Map.of("meshgate-gateway", "shop/edge"), Optional.empty()).registrationJson());

    assertThat(body.path("ID").asText()).isEqualTo("edge-meshgate-0a1b2c3d4e");
    assertThat(body.path("Name").asText()).isEqualTo("edge");
    assertThat(body.path("Address").asText()).isEqualTo("10.0.0.7");
    assertThat(body.path("Port").asInt()).isEqualTo(8080);
    assertThat(body.has("Kind")).as("a typical service, not a Consul-managed gateway").isFalse();
    assertThat(body.path("Connect").path("Native").asBoolean()).isTrue();
    assertThat(body.path("Meta").path("meshgate-gateway").asText()).isEqualTo("shop/edge");
    JsonNode check = body.path("Check");
    assertThat(check.path("CheckID").asText()).isEqualTo("service:edge-meshgate-0a1b2c3d4e");
    assertThat(check.path("TTL").asText()).isEqualTo("30s");
    assertThat(check.path("Status").asText()).isEqualTo("passing");
    assertThat(check.path("DeregisterCriticalServiceAfter").asText()).isEqualTo("60s");
    assertThat(body.has("Namespace")).isFalse();
  }

  @Test
  void aNamespaceGoesInTheBody() throws Exception {
    JsonNode body = JSON.readTree(service(Map.of(), Optional.of("team-a")).registrationJson());

    assertThat(body.path("Namespace").asText()).isEqualTo("team-a");
  }

  @Test
  void metaBeyondConsulsLimitsIsRefusedBeforeItIsSent() {
    Map<String, String> tooMany = new HashMap<>();
    for (int i = 0; i <= GatewayService.MAX_META_KEYS; i++) {
      tooMany.put("k" + i, "v");
    }

    assertThatThrownBy(() -> service(tooMany, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 keys");
    assertThatThrownBy(() -> service(Map.of("k", "v".repeat(513)), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("512 a value");
  }

  @Test
  void aTtlOrRemovalUnderConsulsMinimumIsRefused() {
    assertThatThrownBy(
            () ->
                new GatewayService(
                    "id",
                    "edge",
                    "10.0.0.7",
                    8080,
                    Map.of(),
                    Duration.ofSeconds(30),
                    Duration.ofSeconds(30),
                    Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Consul's minimum");
  }
}
