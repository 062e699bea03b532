package io.meshgate.meshbridge.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.testkit.ConsulApiDouble;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reading the agent's Connect CA answers: what is taken, and what is refused with which field. */
class ConsulAnswersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static ConsulApiDouble consul;
  private static JsonNode roots;
  private static JsonNode leaf;

  @BeforeAll
  static void answers() throws Exception {
    consul = ConsulApiDouble.create();
    roots = get("/v1/agent/connect/ca/roots");
    leaf = get("/v1/agent/connect/ca/leaf/web");
  }

  @AfterAll
  static void stop() {
    consul.close();
  }

  @Test
  void rootsAndLeafAsTheAgentGivesThem() {
    // when
    ConsulRoots read = ConsulRoots.read(roots);
    ConsulLeaf readLeaf = ConsulLeaf.read(leaf, "web");

    // then
    assertThat(read.trustDomain()).isEqualTo(consul.connectTrustDomain());
    assertThat(read.rootsPem()).hasSize(1);
    assertThat(readLeaf.id().toString()).isEqualTo(consul.leafServiceUri("web"));
    assertThat(readLeaf.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(readLeaf.toString()).doesNotContain("PRIVATE KEY").contains("key redacted");
  }

  @Test
  void rootsWithoutATrustDomainOrARootAreRefused() {
    assertThatThrownBy(() -> ConsulRoots.read(with(roots, "TrustDomain", "")))
        .hasMessage("TrustDomain: missing (is Connect enabled on the agent?)");
    ObjectNode noRoot = roots.deepCopy();
    noRoot.putArray("Roots");
    assertThatThrownBy(() -> ConsulRoots.read(noRoot)).hasMessageContaining("Roots: no root");
  }

  @Test
  void aLeafForAnotherServiceOrWithAForeignKeyIsRefused() {
    assertThatThrownBy(() -> ConsulLeaf.read(leaf, "api"))
        .hasMessageContaining("ServiceURI")
        .hasMessageContaining("names another service than api");
    JsonNode other;
    try {
      other = get("/v1/agent/connect/ca/leaf/api");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    JsonNode mixed = with(leaf, "PrivateKeyPEM", other.path("PrivateKeyPEM").asText());
    assertThatThrownBy(() -> ConsulLeaf.read(mixed, "web"))
        .hasMessage("PrivateKeyPEM: the key is not the certificate's");
    assertThatThrownBy(() -> ConsulLeaf.read(with(leaf, "ValidBefore", "tomorrow"), "web"))
        .hasMessageContaining("ValidBefore: 'tomorrow' is no RFC 3339 time");
  }

  private static JsonNode with(JsonNode answer, String field, String value) {
    ObjectNode copy = answer.deepCopy();
    copy.put(field, value);
    return copy;
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(consul.address() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
