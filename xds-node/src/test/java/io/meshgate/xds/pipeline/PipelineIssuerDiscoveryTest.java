package io.meshgate.xds.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.OAuth2;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshgate.xds.identity.BridgeSources;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.issuers.IssuerDiscovery;
import io.meshgate.xds.issuers.Provider;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import io.meshgate.xds.translate.Cases;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline with OIDC discovery and remote key sets against a local HTTPS provider: routes
 * answer 500 until the first discovery document arrives, a changed document is a rebuild, an
 * unchanged one is none; a key set meshgate cannot fetch is a Problem and nothing else.
 */
class PipelineIssuerDiscoveryTest {
  private static final String GROUP = "gateway/default/edge";
  private static final String FILTER = "envoy.filters.http.oauth2/default/login";

  private Provider provider;
  private Pipeline pipeline;

  @AfterEach
  void stop() {
    if (pipeline != null) {
      pipeline.close();
    }
    if (provider != null) {
      provider.close();
    }
  }

  @Test
  void aNewDocumentRebuildsAndAnUnchangedOneDoesNot() throws Exception {
    // given: a provider fetched again every 20 ms, and a route its login protects
    provider = Provider.start();
    SnapshotStore store = new SnapshotStore();
    pipeline =
        new Pipeline(
            store,
            Duration.ZERO,
            Duration.ofMillis(10),
            KeyLoader.of(Cases.testUnsealer(), CertificateDirs.none()),
            MeshSettings.DEFAULTS,
            Optional.empty(),
            BridgeSources.none(),
            IssuerDiscovery.start(
                IssuerDiscovery.Settings.DEFAULTS
                    .withTls(Provider.trustingLocalhost())
                    .withRefresh(Duration.ofMillis(20), Duration.ofMillis(20))));

    // A build without problems is one with the document in (build listeners run after a build
    // is counted, so the count read after one has run is settled).
    AtomicBoolean loggedIn = new AtomicBoolean();
    pipeline.onBuilt(
        (config, resolved, discovered) ->
            loggedIn.compareAndSet(false, resolved.problems().isEmpty()));

    // when
    pipeline.accept(Cases.snapshot(config(provider.issuer())));

    // then: once the document is in, the listener has the login with the provider's endpoint
    await().untilTrue(loggedIn);
    assertThat(authorizationEndpoint(store)).contains("https://login.example.com/authorize");
    assertThat(routeAnswers500(store)).isFalse();
    // and documents fetched again, unchanged, rebuild nothing
    long rebuilds = pipeline.rebuilds();
    int hits = provider.hits.get();
    await().until(() -> provider.hits.get() >= hits + 5);
    assertThat(pipeline.rebuilds()).isEqualTo(rebuilds);

    // when the provider moves its authorization endpoint
    provider.authorization.set("https://login.example.com/v2/authorize");

    // then a rebuild takes it
    await()
        .untilAsserted(
            () ->
                assertThat(authorizationEndpoint(store))
                    .contains("https://login.example.com/v2/authorize"));
    assertThat(pipeline.rebuilds()).isGreaterThan(rebuilds);
  }

  @Test
  void routesAnswer500UntilTheFirstDocumentArrives() throws Exception {
    // given: a provider that refuses to answer
    provider = Provider.start();
    provider.status.set(503);
    SnapshotStore store = new SnapshotStore();
    pipeline =
        new Pipeline(
            store,
            Duration.ZERO,
            Duration.ofMillis(10),
            KeyLoader.of(Cases.testUnsealer(), CertificateDirs.none()),
            MeshSettings.DEFAULTS,
            Optional.empty(),
            BridgeSources.none(),
            IssuerDiscovery.start(
                IssuerDiscovery.Settings.DEFAULTS
                    .withTls(Provider.trustingLocalhost())
                    .withRefresh(Duration.ofMillis(50), Duration.ofMillis(20))));

    // when
    pipeline.accept(Cases.snapshot(config(provider.issuer())));

    // then: the route fails closed, with a Problem that says why
    await()
        .untilAsserted(
            () ->
                assertThat(
                        Optional.ofNullable(pipeline.lastResolved())
                            .map(r -> r.problems())
                            .orElse(List.of()))
                    .anySatisfy(
                        p ->
                            assertThat(p.toString())
                                .contains("/spec/oidc/issuer")
                                .contains("cannot be fetched (HTTP 503)")));
    assertThat(routeAnswers500(store)).isTrue();
    assertThat(authorizationEndpoint(store)).isEmpty();

    // and when the provider answers, the login is in and the route is open to it
    provider.status.set(200);
    await().untilAsserted(() -> assertThat(routeAnswers500(store)).isFalse());
    assertThat(authorizationEndpoint(store)).contains("https://login.example.com/authorize");
  }

  @Test
  void aKeySetMeshgateCannotFetchIsStatusOnlyAndOnlyAChangedKeySetRebuilds() throws Exception {
    // given: a key set host that refuses to answer, trusted through the policy's own CA, fetched
    // again every 20 ms (the JDK's trust store does not know the test certificate)
    provider = Provider.start();
    provider.status.set(503);
    SnapshotStore store = new SnapshotStore();
    pipeline =
        new Pipeline(
            store,
            Duration.ZERO,
            Duration.ofMillis(10),
            KeyLoader.of(Cases.testUnsealer(), CertificateDirs.none()),
            MeshSettings.DEFAULTS,
            Optional.empty(),
            BridgeSources.none(),
            IssuerDiscovery.start(
                IssuerDiscovery.Settings.DEFAULTS.withRefresh(
                    Duration.ofMillis(20), Duration.ofMillis(20))));

    // when
    pipeline.accept(Cases.snapshot(jwtConfig(provider.keySetUri())));

    // then: the policy's status says so, and the route is served with Envoy fetching the keys
    await()
        .untilAsserted(
            () ->
                assertThat(problems())
                    .singleElement()
                    .satisfies(
                        p -> {
                          assertThat(p.path()).isEqualTo("/spec/jwt/providers/0/remoteJWKS/uri");
                          assertThat(p.reason()).isEqualTo(ProblemReason.KEY_SET_UNAVAILABLE);
                          assertThat(p.message()).contains("cannot be fetched (HTTP 503)");
                        }));
    GroupSnapshot failing = store.get(GROUP).orElseThrow();
    assertThat(routeAnswers500(store)).isFalse();

    // when the host answers, the Problem goes and the Envoy config stays as it was
    provider.status.set(200);
    await().untilAsserted(() -> assertThat(problems()).isEmpty());
    assertThat(store.get(GROUP).orElseThrow().sameContentAs(failing)).isTrue();

    // and key sets fetched again, unchanged, rebuild nothing
    long rebuilds = pipeline.rebuilds();
    int hits = provider.keySetHits.get();
    await().until(() -> provider.keySetHits.get() >= hits + 5);
    assertThat(pipeline.rebuilds()).isEqualTo(rebuilds);

    // when the provider rotates its keys, a rebuild looks at them (and serves the same config)
    provider.keySet.set(Provider.ONE_KEY.replace("\"kid\":\"a\"", "\"kid\":\"b\""));
    await().until(() -> pipeline.rebuilds() > rebuilds);
    assertThat(store.get(GROUP).orElseThrow().sameContentAs(failing)).isTrue();
  }

  private List<Problem> problems() {
    return Optional.ofNullable(pipeline.lastResolved()).map(r -> r.problems()).orElse(List.of());
  }

  /** A Gateway, a route, and a policy verifying tokens with the key set at {@code uri}. */
  private static String jwtConfig(String uri) throws Exception {
    String ca = Files.readString(Path.of("src/test/resources/test-keys/localhost.crt"));
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec:
          listeners: [{name: web, port: 80, protocol: HTTP}]
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: app}
        spec:
          static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop}
        spec:
          parentRefs: [{name: edge}]
          rules: [{backendRefs: [{name: app}]}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: keys-ca}
        type: Opaque
        data: {ca.crt: %s}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: jwt}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
          jwt:
            providers:
              - name: corp
                remoteJWKS:
                  uri: %s
                  caCertificateRefs: [{kind: Secret, name: keys-ca}]
        """
        .formatted(Base64.getEncoder().encodeToString(ca.getBytes(StandardCharsets.UTF_8)), uri);
  }

  /**
   * A Gateway, a route, and a policy logging in at {@code issuer} with the case's sealed Secret.
   */
  private static String config(String issuer) throws Exception {
    String golden =
        Files.readString(Path.of("src/test/resources/golden/envoy/gateway-oidc-login/input.yaml"));
    String secret =
        Arrays.stream(golden.split("\n---\n"))
            .filter(d -> d.contains("kind: Secret") && d.contains("name: shop-oidc"))
            .findFirst()
            .orElseThrow();
    return """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec:
          listeners: [{name: web, port: 80, protocol: HTTP}]
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: app}
        spec:
          static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: shop}
        spec:
          parentRefs: [{name: edge}]
          rules: [{backendRefs: [{name: app}]}]
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: login}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
          oidc:
            issuer: %s
            clientID: shop
            clientSecret: {name: shop-oidc}
        ---
        """
            .formatted(issuer)
        + secret;
  }

  /** The authorization endpoint of the login filter the store serves, if any. */
  private static Optional<String> authorizationEndpoint(SnapshotStore store) throws Exception {
    Optional<GroupSnapshot> group = store.get(GROUP);
    if (group.isEmpty()) {
      return Optional.empty();
    }
    for (VersionedResource resource : group.get().type(TypeUrls.LISTENER).resources().values()) {
      Listener listener = resource.resource().unpack(Listener.class);
      for (var chain : listener.getFilterChainsList()) {
        for (var filter : chain.getFiltersList()) {
          if (!filter.getTypedConfig().is(HttpConnectionManager.class)) {
            continue;
          }
          for (HttpFilter http :
              filter.getTypedConfig().unpack(HttpConnectionManager.class).getHttpFiltersList()) {
            if (http.getName().equals(FILTER)) {
              return Optional.of(
                  http.getTypedConfig()
                      .unpack(OAuth2.class)
                      .getConfig()
                      .getAuthorizationEndpoint());
            }
          }
        }
      }
    }
    return Optional.empty();
  }

  /** Whether the store's one route answers 500 itself. */
  private static boolean routeAnswers500(SnapshotStore store) throws Exception {
    VersionedResource table =
        store.get(GROUP).orElseThrow().type(TypeUrls.ROUTE).resources().values().iterator().next();
    var route = table.resource().unpack(RouteConfiguration.class).getVirtualHosts(0).getRoutes(0);
    return route.hasDirectResponse() && route.getDirectResponse().getStatus() == 500;
  }
}
