package io.meshgate.meshbridge.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.pem.Pem;
import io.meshgate.discovery.HashicorpHttp;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.meshbridge.ca.KeyPairs;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * A root rotation in a real Consul's built-in CA, as HashiCorp documents it (api-docs/connect/ca,
 * "Update CA Configuration"): the same provider with a new private key makes a new root, which
 * Consul cross-signs and then activates. Written to that documentation; this machine has no Consul
 * to run it against.
 */
final class RealAgentCa {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RealAgentCa() {}

  /** Rotates the CA of the cluster {@code consul} reaches; returns the new active root. */
  static X509Certificate rotate(ConsulSettings consul) throws Exception {
    HttpClient http =
        HashicorpHttp.client(
            consul.address().getScheme(),
            consul.caCertificate(),
            consul.clientCertificate(),
            consul.clientKey(),
            "Consul");
    String before = activeRootId(http, consul);
    JsonNode current = JSON.readTree(send(http, consul, "GET", null).body());
    ObjectNode update = JSON.createObjectNode();
    update.put("Provider", current.path("Provider").asText("consul"));
    ObjectNode config = update.putObject("Config");
    current.path("Config").fields().forEachRemaining(e -> config.set(e.getKey(), e.getValue()));
    config.put("PrivateKey", Pem.privateKey(KeyPairs.generate(new SecureRandom()).getPrivate()));
    config.remove("RootCert");
    send(http, consul, "PUT", JSON.writeValueAsString(update));
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !activeRootId(http, consul).equals(before));
    JsonNode roots = roots(http, consul);
    for (JsonNode root : roots.path("Roots")) {
      if (root.path("Active").asBoolean()) {
        List<X509Certificate> certificates =
            Pem.certificates(root.path("RootCert").asText(), "active root");
        return certificates.get(0);
      }
    }
    throw new IllegalStateException("Consul lists no active root after the rotation");
  }

  private static String activeRootId(HttpClient http, ConsulSettings consul) throws Exception {
    return roots(http, consul).path("ActiveRootID").asText();
  }

  private static JsonNode roots(HttpClient http, ConsulSettings consul) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(consul.address().resolve("/v1/agent/connect/ca/roots"));
    consul.token().ifPresent(t -> request.header("X-Consul-Token", t));
    HashicorpHttp.Response response = HashicorpHttp.send(http, request.build(), "roots");
    return JSON.readTree(response.body());
  }

  private static HashicorpHttp.Response send(
      HttpClient http, ConsulSettings consul, String method, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(consul.address().resolve("/v1/connect/ca/configuration"))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    consul.token().ifPresent(t -> request.header("X-Consul-Token", t));
    HashicorpHttp.Response response =
        HashicorpHttp.send(http, request.build(), "the CA configuration");
    if (response.status() != 200) {
      throw new IOException(
          method + " /v1/connect/ca/configuration: " + response.status() + " " + response.reason());
    }
    return response;
  }
}
