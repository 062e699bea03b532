package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.ApiKeyAuthPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.api_key_auth.v3.Credential;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What /debug/config shows of one stream: Secrets redacted, resources with their sources. */
class ProxyConfigTest {
  private static final String GROUP = "gateway/default/edge";
  private static final String KEY = "-----BEGIN PRIVATE KEY-----\nTHE-PRIVATE-KEY\n";

  private static TypeResources type(String typeUrl, String version, VersionedResource... all) {
    TreeMap<String, VersionedResource> byName = new TreeMap<>();
    for (VersionedResource r : all) {
      byName.put(r.name(), r);
    }
    return new TypeResources(typeUrl, version, byName);
  }

  private static final GroupSnapshot SNAPSHOT =
      new GroupSnapshot(
          GROUP,
          12,
          Map.of(
              TypeUrls.ROUTE,
              type(
                  TypeUrls.ROUTE,
                  "rv1",
                  new VersionedResource(
                      "default/edge/443",
                      "r1",
                      GroupConfig.any(TypeUrls.ROUTE, "default/edge/443", "a")),
                  new VersionedResource(
                      "default/other/80",
                      "r2",
                      GroupConfig.any(TypeUrls.ROUTE, "default/other/80", "a"))),
              TypeUrls.SECRET,
              type(
                  TypeUrls.SECRET,
                  "sv1",
                  new VersionedResource(
                      "secret/default/web-tls",
                      "fp1",
                      Any.pack(
                          Secret.newBuilder()
                              .setName("secret/default/web-tls")
                              .setTlsCertificate(
                                  TlsCertificate.newBuilder()
                                      .setPrivateKey(DataSource.newBuilder().setInlineString(KEY)))
                              .build()))),
              TypeUrls.CLUSTER,
              type(TypeUrls.CLUSTER, "cv2")));

  private static final Map<String, List<String>> FROM =
      Map.of(
          "default/edge/443",
          List.of("Gateway default/edge (generation 1)", "HTTPRoute default/web (generation 3)"),
          "secret/default/web-tls",
          List.of("Gateway default/edge (generation 1)", "Secret default/web-tls"));

  private static final ProxyConfig.Sources PROVENANCE =
      (typeUrl, name) -> FROM.getOrDefault(name, List.of("Gateway default/edge (generation 1)"));

  private static TypeStatus synced(String typeUrl, String version, Set<String> names) {
    return new TypeStatus(
        typeUrl, version, null, version, null, null, 1, version, 12, null, null, null, false, names,
        Set.of());
  }

  @Test
  void aSyncedTypeShowsWhatTheProxyAskedForWithItsSourcesAndASecretOnlyAsItsFingerprint() {
    // given: a proxy that holds one of the two routes and the Secret, and clusters of an older
    // version
    StreamStatus stream =
        new StreamStatus(
            7,
            "edge-1",
            GROUP,
            false,
            List.of(
                synced(TypeUrls.ROUTE, "rv1", Set.of("default/edge/443")),
                synced(TypeUrls.SECRET, "sv1", Set.of("secret/default/web-tls")),
                synced(TypeUrls.CLUSTER, "cv1", Set.of())));

    // when
    JsonNode config = ProxyConfig.of(stream, Optional.of(SNAPSHOT), Optional.of(PROVENANCE));

    // then
    assertThat(config.path("node").asText()).isEqualTo("edge-1");
    JsonNode routes = config.path("routes");
    assertThat(routes.path("state").asText()).isEqualTo("SYNCED");
    assertThat(routes.path("resources")).hasSize(1);
    JsonNode route = routes.path("resources").get(0);
    assertThat(route.path("name").asText()).isEqualTo("default/edge/443");
    assertThat(route.path("from").toString())
        .isEqualTo(
            "[\"Gateway default/edge (generation 1)\",\"HTTPRoute default/web (generation 3)\"]");
    assertThat(route.path("resource").path("@type").asText()).isEqualTo(TypeUrls.ROUTE);

    JsonNode secret = config.path("secrets").path("resources").get(0);
    assertThat(secret.path("resource").toString())
        .isEqualTo(
            "{\"name\":\"secret/default/web-tls\",\"holds\":\"tlsCertificate\",\"fingerprint\":\"fp1\"}");
    assertThat(secret.path("from").toString()).contains("Secret default/web-tls");
    assertThat(config.toString()).doesNotContain("THE-PRIVATE-KEY").doesNotContain("PRIVATE KEY");

    // and a type it does not hold at the current version shows its state and no resources
    assertThat(config.path("clusters").path("state").asText()).isEqualTo("STALE");
    assertThat(config.path("clusters").path("version").asText()).isEqualTo("cv1");
    assertThat(config.path("clusters").path("resources")).isEmpty();
    assertThat(config.has("listeners")).as("never asked for").isFalse();
  }

  @Test
  void anApiKeyInARoutesPerFilterConfigIsRedactedAsEnvoysConfigDumpDoes() {
    // given: a route table whose route carries an API key (a sensitive field) in an Any
    Any apiKeys =
        Any.pack(
            ApiKeyAuthPerRoute.newBuilder()
                .addCredentials(Credential.newBuilder().setKey("sk-live-123").setClient("shop"))
                .addAllowedClients("shop")
                .build());
    Any routes =
        Any.pack(
            RouteConfiguration.newBuilder()
                .setName("default/edge/443")
                .addVirtualHosts(
                    VirtualHost.newBuilder()
                        .setName("edge")
                        .addDomains("*")
                        .addRoutes(
                            Route.newBuilder()
                                .setName("keys")
                                .putTypedPerFilterConfig(
                                    "envoy.filters.http.api_key_auth", apiKeys)))
                .build());
    GroupSnapshot snapshot =
        new GroupSnapshot(
            GROUP,
            3,
            Map.of(
                TypeUrls.ROUTE,
                type(
                    TypeUrls.ROUTE,
                    "rv9",
                    new VersionedResource("default/edge/443", "r9", routes))));
    StreamStatus stream =
        new StreamStatus(
            9,
            "edge-3",
            GROUP,
            false,
            List.of(synced(TypeUrls.ROUTE, "rv9", Set.of("default/edge/443"))));

    // when
    String shown = ProxyConfig.of(stream, Optional.of(snapshot), Optional.empty()).toString();

    // then
    assertThat(shown)
        .doesNotContain("sk-live-123")
        .contains("[redacted]")
        .contains("allowedClients");
  }

  @Test
  void withoutTheGroupsIrTheResourcesAreShownWithoutFrom() {
    StreamStatus stream =
        new StreamStatus(
            8,
            "edge-2",
            GROUP,
            true,
            List.of(synced(TypeUrls.ROUTE, "rv1", Set.of("default/edge/443"))));

    JsonNode config = ProxyConfig.of(stream, Optional.of(SNAPSHOT), Optional.empty());

    assertThat(config.path("routes").path("resources").get(0).has("from")).isFalse();
  }
}
