package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgate.config.pem.Pem;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.meshbridge.consul.ConsulConnectSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.resolve.MeshIdentities;
import io.meshgate.xds.resolve.MeshSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gateway in front of a Consul Connect service, over a real TLS 1.3 handshake: the Gateway
 * presents exactly the certificate, key and bundle meshgate serves it as SDS Secrets (issued by the
 * Consul double's Connect CA through {@link ConsulConnectSource}, as a replica gets them), and
 * checks the peer and sends the server name exactly as its cluster says; the server is the Connect
 * service as Consul's sidecar runs it: its own Consul leaf, client certificates from Consul's roots
 * required.
 */
class ConsulBridgeHandshakeTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static ConsulApiDouble consul;
  private static ConsulConnectSource source;

  @BeforeAll
  static void consul() {
    consul = ConsulApiDouble.create();
    source =
        ConsulConnectSource.start(
            ConsulSettings.at(URI.create(consul.address())),
            "meshgate-edge",
            Clock.systemUTC(),
            Duration.ofSeconds(5),
            Duration.ofMillis(20));
  }

  @AfterAll
  static void stop() {
    source.close();
    consul.close();
  }

  @Test
  void theConnectServiceAcceptsTheGatewaysServedConsulIdentity() throws Exception {
    // given: what the Gateway is served, and web's Connect sidecar
    TlsHandshake.Served gateway = translate("web");
    TlsHandshake.Side web = connectService("web");

    // when
    TlsHandshake.Seen seen =
        TlsHandshake.run(web, gateway.side(), gateway.peers(), gateway.sni(), Instant.now());

    // then: web saw the Gateway as the Consul service it is registered as, and the server name
    // Consul routes by
    assertThat(seen.uriSan()).isEqualTo(consul.leafServiceUri("meshgate-edge"));
    assertThat(seen.sni()).contains("web.default.dc1.internal." + consul.connectTrustDomain());
    assertThat(gateway.peers()).containsExactly(consul.leafServiceUri("web"));
  }

  @Test
  void theGatewayRefusesAServiceThatIsNotTheOneItsClusterNames() throws Exception {
    // given: the cluster names Consul service billing; the server is web
    TlsHandshake.Served gateway = translate("billing");
    TlsHandshake.Side web = connectService("web");

    // then
    assertThatThrownBy(
            () ->
                TlsHandshake.run(
                    web, gateway.side(), gateway.peers(), gateway.sni(), Instant.now()))
        .hasStackTraceContaining("SPIFFE ID");
  }

  @Test
  void theConnectServiceRefusesMeshgatesOwnMeshIdentity() throws Exception {
    // given: the Gateway's certificate from meshgate's mesh CA, not Consul's
    TlsHandshake.Served gateway = translate("web");
    TlsHandshake.Side web = connectService("web");
    SpiffeId meshIdentity = SpiffeId.workload("meshgate.local", "edge", "public");
    IssuedIdentity own =
        TestIdentities.issue(meshIdentity, Instant.now().minus(Duration.ofHours(1)));
    TlsHandshake.Side outsider =
        new TlsHandshake.Side(
            meshIdentity.toString(),
            Pem.certificates(own.chainPem(), "chain"),
            Pem.privateKey(own.keyPem(), "key"),
            gateway.side().bundle());

    // then: the server refuses the client (the client had nothing against the server)
    assertThatThrownBy(
            () -> TlsHandshake.run(web, outsider, gateway.peers(), gateway.sni(), Instant.now()))
        .isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("SPIFFE ID"));
  }

  private static String stackTrace(Throwable e) {
    StringWriter text = new StringWriter();
    e.printStackTrace(new PrintWriter(text));
    return text.toString();
  }

  /** What the Gateway is served to call web with. */
  private static TlsHandshake.Served translate(String service) throws Exception {
    ConfigSnapshot config =
        Cases.snapshot(
            BridgeConfigs.consulGateway(
                "public", service, consul.connectTrustDomain(), consul.address(), "meshgate-edge"));
    Set<SpiffeId> required = MeshIdentities.requiredBy(config, MeshSettings.DEFAULTS);
    IdentitySnapshot issued =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> source.snapshotFor(required), s -> !s.identities().isEmpty());
    Cases.Translated translated =
        Cases.translate(
            new Inputs(
                config,
                StaticEndpointSource.from(config),
                Cases.KEYS.ringFor(config),
                Identities.of(issued)));
    return TlsHandshake.servedTo(translated.groups(), "gateway/edge/public", "edge/web");
  }

  /** A Connect service as its sidecar holds it: its leaf from the agent, Consul's roots. */
  private static TlsHandshake.Side connectService(String service) throws Exception {
    JsonNode leaf = get("/v1/agent/connect/ca/leaf/" + service);
    return new TlsHandshake.Side(
        leaf.path("ServiceURI").asText(),
        Pem.certificates(leaf.path("CertPEM").asText(), "leaf"),
        Pem.privateKey(leaf.path("PrivateKeyPEM").asText(), "key"),
        consul.connectRootsPem().stream()
            .flatMap(pem -> Pem.certificates(pem, "root").stream())
            .toList());
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(consul.address() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }
}
