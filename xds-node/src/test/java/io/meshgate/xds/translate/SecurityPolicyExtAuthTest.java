package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.validate.PgvRules;
import io.meshgate.xds.envoy.validate.PgvViolation;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ResolvedIr;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SecurityPolicy extAuth through the production entry: where the filter sits, which routes turn it
 * on, and what a policy whose service cannot be reached as written does to its routes
 * (gateway-external-authorization shows the whole output).
 */
class SecurityPolicyExtAuthTest {
  private static final String FILTER = "envoy.filters.http.ext_authz/default/gateway-authz";

  private static final String GATEWAY_AND_ROUTES =
      """
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
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: authz}
      spec:
        protocol: GRPC
        static: {endpoints: [{address: 10.0.1.1, port: 9001}]}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: shop}
      spec:
        parentRefs: [{name: edge}]
        rules:
          - matches: [{path: {type: PathPrefix, value: /shop}}]
            backendRefs: [{name: app}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: health}
      spec:
        parentRefs: [{name: edge}]
        rules:
          - matches: [{path: {type: Exact, value: /healthz}}]
            backendRefs: [{name: app}]
      """;

  private static String gatewayPolicy(String extAuth) {
    return """
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: gateway-authz}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
          extAuth: %s
        """
        .formatted(extAuth);
  }

  private static final String HEALTH_OPEN =
      """
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: health-open}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: health}]
        extAuth: {disabled: true}
      """;

  private static Route route(GroupResources group, String name) {
    RouteConfiguration table = unpack(group.routes(), RouteConfiguration.class).get(0);
    return table.getVirtualHosts(0).getRoutesList().stream()
        .filter(r -> r.getName().equals("httproute/default/" + name + "/rule/0/match/0"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theCheckComesAfterAuthenticationAndBeforeTheRateLimitAndIsOffUnlessARouteTurnsItOn()
      throws Exception {
    // given a Gateway policy with a JWT provider and an external authorization service
    String yaml =
        GATEWAY_AND_ROUTES
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: SecurityPolicy
            metadata: {name: gateway-authz}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
              jwt:
                providers:
                  - name: corp
                    remoteJWKS: {uri: "https://login.example.com/jwks"}
              extAuth: {backendRef: {name: authz}}
            """;

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then the service decides on a verified identity, before a token of the bucket is spent
    assertThat(EdgeGateway.filterNames(group))
        .containsExactly(
            "envoy.filters.http.cors",
            "meshgate.ip_access",
            "envoy.filters.http.api_key_auth",
            "envoy.filters.http.basic_auth",
            "meshgate.untrusted_headers",
            "envoy.filters.http.jwt_authn",
            "envoy.filters.http.rbac",
            FILTER,
            "envoy.filters.http.local_ratelimit",
            "envoy.filters.http.header_mutation",
            "envoy.filters.http.fault",
            "envoy.filters.http.router");
    HttpFilter extAuthz =
        EdgeGateway.httpFilters(group).stream()
            .filter(f -> f.getName().equals(FILTER))
            .findFirst()
            .get();
    assertThat(extAuthz.getDisabled()).isTrue();
    // and each governed route turns it on with a per-route config, which Envoy requires to hold one
    // of its cases
    ExtAuthzPerRoute perRoute =
        route(group, "shop")
            .getTypedPerFilterConfigMap()
            .get(FILTER)
            .unpack(ExtAuthzPerRoute.class);
    assertThat(perRoute.hasCheckSettings()).isTrue();
    assertThat(PgvRules.check(perRoute)).isEmpty();
    assertThat(PgvRules.check(ExtAuthzPerRoute.getDefaultInstance()))
        .extracting(PgvViolation::rule)
        .isNotEmpty();
  }

  @Test
  void aClientsCopiesOfTheHeadersAnHttpServiceSetsAreRemovedBeforeTheCheck() throws Exception {
    // given an HTTP service that may set two headers on the request
    String yaml =
        GATEWAY_AND_ROUTES.replace("protocol: GRPC", "protocol: HTTP")
            + gatewayPolicy(
                "{protocol: HTTP, backendRef: {name: authz}, headersToUpstream: [X-User-Id,"
                    + " X-Roles]}")
            + HEALTH_OPEN;

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then the chain removes them (lower-case) on the checked route, before JWT and the check...
    List<String> chain = EdgeGateway.filterNames(group);
    assertThat(chain.indexOf("meshgate.untrusted_headers")).isLessThan(chain.indexOf(FILTER));
    HeaderMutationPerRoute removal =
        route(group, "shop")
            .getTypedPerFilterConfigOrThrow("meshgate.untrusted_headers")
            .unpack(HeaderMutationPerRoute.class);
    assertThat(removal.getMutations().getRequestMutationsList())
        .extracting(m -> m.getRemove())
        .containsExactly("x-roles", "x-user-id");
    // ...and leaves them alone where no service is asked (nothing writes them there)
    assertThat(route(group, "health").getTypedPerFilterConfigMap())
        .doesNotContainKey("meshgate.untrusted_headers");
  }

  @Test
  void aRoutePolicyWithDisabledTrueLeavesItsRouteUncheckedAndOthersChecked() throws Exception {
    // given
    String yaml = GATEWAY_AND_ROUTES + gatewayPolicy("{backendRef: {name: authz}}") + HEALTH_OPEN;

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then health names no ext_authz filter, so the filter (off by default) never runs for it
    assertThat(route(group, "health").getTypedPerFilterConfigMap().keySet())
        .noneMatch(k -> k.startsWith("envoy.filters.http.ext_authz"));
    assertThat(route(group, "health").hasRoute()).isTrue();
    assertThat(route(group, "shop").getTypedPerFilterConfigMap()).containsKey(FILTER);
    assertThat(translated.ir().problems()).isEmpty();
  }

  @Test
  void aListenerWhoseRoutesAllOptOutGetsNoExtAuthzFilter() throws Exception {
    // given both routes turned off by their own policies
    String yaml =
        GATEWAY_AND_ROUTES
            + gatewayPolicy("{backendRef: {name: authz}}")
            + HEALTH_OPEN
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: SecurityPolicy
            metadata: {name: shop-open}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
              extAuth: {disabled: true}
            """;

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then the listener is exactly what it is without extAuth
    assertThat(EdgeGateway.filterNames(group))
        .noneMatch(n -> n.startsWith("envoy.filters.http.ext_authz"));
    assertThat(EdgeGateway.filterNames(group))
        .isEqualTo(EdgeGateway.filterNames(EdgeGateway.of(Cases.translate(GATEWAY_AND_ROUTES))));
  }

  @Test
  void theServicesClusterIsInTheGroupThoughNoRouteSendsToIt() throws Exception {
    // when
    GroupResources group =
        EdgeGateway.of(
            Cases.translate(GATEWAY_AND_ROUTES + gatewayPolicy("{backendRef: {name: authz}}")));

    // then gRPC's cluster speaks HTTP/2
    Cluster authz =
        unpack(group.clusters(), Cluster.class).stream()
            .filter(c -> c.getName().equals("default/authz"))
            .findFirst()
            .orElseThrow();
    HttpProtocolOptions options =
        authz
            .getTypedExtensionProtocolOptionsMap()
            .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
            .unpack(HttpProtocolOptions.class);
    assertThat(options.getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
  }

  @Test
  void aMissingServiceFailsClosedEvenWithFailOpen() throws Exception {
    // given a service that does not exist, and failOpen, which is about run-time failures
    String yaml = GATEWAY_AND_ROUTES + gatewayPolicy("{backendRef: {name: gone}, failOpen: true}");

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then every governed route answers 500 rather than going unchecked, and the policy says why
    assertThat(route(group, "shop").getDirectResponse().getStatus()).isEqualTo(500);
    assertThat(route(group, "health").getDirectResponse().getStatus()).isEqualTo(500);
    assertThat(EdgeGateway.filterNames(group))
        .noneMatch(n -> n.startsWith("envoy.filters.http.ext_authz"));
    assertThat(translated.ir().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.source().name()).isEqualTo("gateway-authz");
              assertThat(p.path()).isEqualTo("/spec/extAuth/backendRef");
              assertThat(p.reason()).isEqualTo(ProblemReason.BACKEND_NOT_FOUND);
            });
  }

  @Test
  void aGrpcServiceOnAnHttp1BackendFailsClosed() throws Exception {
    // given gRPC to a Backend that speaks HTTP/1.1 (the default), where every check would fail
    String yaml = GATEWAY_AND_ROUTES + gatewayPolicy("{backendRef: {name: app}}");

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then
    assertThat(route(EdgeGateway.of(translated), "shop").getDirectResponse().getStatus())
        .isEqualTo(500);
    assertThat(translated.ir().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).isEqualTo("/spec/extAuth/backendRef");
              assertThat(p.reason()).isEqualTo(ProblemReason.INVALID);
              assertThat(p.message()).contains("speaks HTTP", "GRPC or HTTP2");
            });
  }

  @Test
  void theExtAuthIrReadsBackAsTheSameIr() {
    // given the golden case's IR: services on the chains, checks and "off" on the routes
    ResolvedIr ir =
        Cases.resolve(
            GoldenFiles.read(
                EnvoyGoldenTest.ROOT
                    .resolve("gateway-external-authorization")
                    .resolve("input.yaml")));

    // when
    String yaml = Cases.irYaml(ir);

    // then
    assertThat(yaml).contains("type: check", "type: \"off\"", "protocol: HTTP", "protocol: GRPC");
    assertThat(Cases.readIr(yaml).groups())
        .isEqualTo(ir.groups().stream().map(Cases::withoutOwner).toList());
  }
}
