package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Routes chosen by verified claims ({@code recomputeRoute}) through the production entry: where
 * Envoy may pick a route again after jwt_authn, every route of the virtual host must have the same
 * security before JWT, else the policy fails closed there. Also the key set fetch's timeout
 * (gateway-jwt-routes-by-claims shows the whole output).
 */
class SecurityPolicyClaimRoutesTest {
  private static final String JWT = "envoy.filters.http.jwt_authn";
  private static final String CLAIM_HEADERS = "meshgate.untrusted_headers";

  /** Two rules on one host: /orders for team ops, and /orders for anyone. */
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
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: orders}
      spec:
        parentRefs: [{name: edge}]
        hostnames: [shop.example.com]
        rules:
          - name: ops
            matches: [{path: {type: PathPrefix, value: /orders}, headers: [{name: x-team, value: ops}]}]
            backendRefs: [{name: app}]
          - name: everyone
            matches: [{path: {type: PathPrefix, value: /orders}}]
            backendRefs: [{name: app}]
      """;

  /**
   * The Gateway's policy: one provider that copies the {@code team} claim into x-team.
   *
   * @param keySetFields more fields of {@code remoteJWKS}, each after ", "
   * @param providerField one more field of the provider, or ""
   */
  private static String gatewayPolicy(String keySetFields, String providerField) {
    return """
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: teams}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
          jwt:
            providers:
              - name: corp
                remoteJWKS: {uri: https://login.example.com/keys%s}
                claimToHeaders: [{claim: team, header: x-team}]
                %s
        """
        .formatted(keySetFields, providerField);
  }

  /** A second route on the same host, with its own policy. */
  private static final String HEALTH_ROUTE_WITH_ADDRESS_RULE =
      """
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: health}
      spec:
        parentRefs: [{name: edge}]
        hostnames: [shop.example.com]
        rules:
          - matches: [{path: {type: PathPrefix, value: /health}}]
            backendRefs: [{name: app}]
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: health}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: health}]
        ipAccess: {allow: [10.0.0.0/8]}
      """;

  @Test
  void aHostWhoseRoutesShareTheSecurityBeforeJwtIsRoutedAgainOnTheVerifiedClaim() throws Exception {
    // given the Gateway's provider with recomputeRoute, governing both rules of the host
    String yaml = GATEWAY_AND_ROUTES + gatewayPolicy("", "recomputeRoute: true");

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then Envoy clears the route cache after verifying, and every route removes the client's
    // x-team before jwt_authn and names the same requirement
    assertThat(translated.ir().problems()).isEmpty();
    assertThat(provider(group).getClearRouteCache()).isTrue();
    List<Route> routes = host(group, "shop.example.com").getRoutesList();
    assertThat(routes).hasSize(2);
    for (Route route : routes) {
      assertThat(route.hasRoute()).isTrue();
      assertThat(removedHeaders(route)).containsExactly("x-team");
      assertThat(route.getTypedPerFilterConfigMap()).containsKey(JWT);
    }
  }

  @Test
  void withoutRecomputeRouteTheRouteIsNotPickedAgainAndRoutesMayDiffer() throws Exception {
    // given the same provider without recomputeRoute, and a route with its own address rule
    String yaml = GATEWAY_AND_ROUTES + gatewayPolicy("", "") + HEALTH_ROUTE_WITH_ADDRESS_RULE;

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then nothing is refused, as before the field existed
    assertThat(translated.ir().problems()).isEmpty();
    assertThat(provider(group).getClearRouteCache()).isFalse();
    assertThat(host(group, "shop.example.com").getRoutesList()).allMatch(Route::hasRoute);
  }

  @Test
  void aRouteWithOtherSecurityBeforeJwtOnTheHostMakesThePolicyFailClosedThere() throws Exception {
    // given a route on the same host that adds an address rule (its jwt is the Gateway's too)
    String yaml =
        GATEWAY_AND_ROUTES
            + gatewayPolicy("", "recomputeRoute: true")
            + HEALTH_ROUTE_WITH_ADDRESS_RULE;

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then the policy says which routes differ, and in what
    assertThat(translated.ir().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.source().name()).isEqualTo("teams");
              assertThat(p.path()).isEqualTo("/spec/jwt/providers/0/recomputeRoute");
              assertThat(p.reason()).isEqualTo(ProblemReason.INVALID);
              assertThat(p.message())
                  .contains("httproute/default/health")
                  .contains("httproute/default/orders")
                  .contains("differ in ipAccess")
                  .contains("shop.example.com");
            });
    // and every route of the host it governs (all three) answers 500 without verifying a token,
    // so jwt_authn never picks a route again there
    List<Route> routes = host(group, "shop.example.com").getRoutesList();
    assertThat(routes).hasSize(3);
    for (Route route : routes) {
      assertThat(route.getDirectResponse().getStatus()).isEqualTo(500);
      assertThat(route.getTypedPerFilterConfigMap()).doesNotContainKey(JWT);
    }
    // and the address rule still refuses a stranger first (403, not 500)
    Route health =
        routes.stream().filter(r -> r.getName().contains("health")).findFirst().orElseThrow();
    assertThat(health.getTypedPerFilterConfigMap()).containsKey("meshgate.ip_access");
  }

  @Test
  void aRouteThatAloneTurnsOnExternalAuthorizationIsADifference() throws Exception {
    // given the ops rule alone asks an authorization service: Envoy builds a request's chain for
    // the route matched first, so a request first matched to the everyone rule and picked again
    // for ops would never meet the service
    String yaml =
        GATEWAY_AND_ROUTES
            + gatewayPolicy("", "recomputeRoute: true")
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: authz}
            spec:
              protocol: GRPC
              static: {endpoints: [{address: 10.0.1.1, port: 9001}]}
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: SecurityPolicy
            metadata: {name: ops-authz}
            spec:
              targetRefs:
                - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: orders, sectionName: ops}
              extAuth: {backendRef: {name: authz}}
            """;

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then the Gateway's policy is refused on the host, naming external authorization
    assertThat(translated.ir().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).isEqualTo("/spec/jwt/providers/0/recomputeRoute");
              assertThat(p.message()).contains("differ in extAuth");
            });
    assertThat(host(EdgeGateway.of(translated), "shop.example.com").getRoutesList())
        .allSatisfy(route -> assertThat(route.getDirectResponse().getStatus()).isEqualTo(500));
  }

  @Test
  void aRouteWithNoSecurityAtAllOnTheHostIsADifferenceToo() throws Exception {
    // given a second route on the host that no policy governs: the Gateway's policy is on the
    // orders route only
    String yaml =
        GATEWAY_AND_ROUTES
            + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: public}
            spec:
              parentRefs: [{name: edge}]
              hostnames: [shop.example.com]
              rules:
                - matches: [{path: {type: PathPrefix, value: /public}}]
                  backendRefs: [{name: app}]
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: SecurityPolicy
            metadata: {name: teams}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: orders}]
              jwt:
                providers:
                  - name: corp
                    remoteJWKS: {uri: https://login.example.com/keys}
                    claimToHeaders: [{claim: team, header: x-team}]
                    recomputeRoute: true
            """;

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then the orders routes answer 500 (a re-pick could land on the unchecked one), the public
    // route stays as it was, and the listener has no jwt_authn left to re-pick with
    assertThat(translated.ir().problems())
        .extracting(Problem::message)
        .singleElement()
        .asString()
        .contains("differ in jwt");
    for (Route route : host(group, "shop.example.com").getRoutesList()) {
      assertThat(route.getName().contains("public") ? route.hasRoute() : route.hasDirectResponse())
          .as(route.getName())
          .isTrue();
    }
    assertThat(EdgeGateway.connectionManager(group).getHttpFiltersList())
        .extracting(f -> f.getName())
        .doesNotContain(JWT);
  }

  @Test
  void theRuleHoldsPerVirtualHostOnlyAnotherHostKeepsRoutingByClaims() throws Exception {
    // given the refused host of the test above, and a second host with the Gateway's policy only
    String yaml =
        GATEWAY_AND_ROUTES
            + gatewayPolicy("", "recomputeRoute: true")
            + HEALTH_ROUTE_WITH_ADDRESS_RULE
            + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: blog}
            spec:
              parentRefs: [{name: edge}]
              hostnames: [blog.example.com]
              rules:
                - matches: [{path: {type: PathPrefix, value: /}, headers: [{name: x-team, value: ops}]}]
                  backendRefs: [{name: app}]
                - matches: [{path: {type: PathPrefix, value: /}}]
                  backendRefs: [{name: app}]
            """;

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then the blog host routes, verifies and re-picks; the provider keeps clear_route_cache
    assertThat(host(group, "blog.example.com").getRoutesList())
        .hasSize(2)
        .allSatisfy(
            r -> {
              assertThat(r.hasRoute()).isTrue();
              assertThat(r.getTypedPerFilterConfigMap()).containsKey(JWT);
            });
    assertThat(host(group, "shop.example.com").getRoutesList()).allMatch(Route::hasDirectResponse);
    assertThat(provider(group).getClearRouteCache()).isTrue();
  }

  @Test
  void theKeySetFetchTakesFiveSecondsUnlessTheProviderSaysOtherwise() throws Exception {
    // given the provider with a 2s timeout, and the same provider without one
    String yaml = GATEWAY_AND_ROUTES + gatewayPolicy(", timeout: 2s", "");
    String defaults = GATEWAY_AND_ROUTES + gatewayPolicy("", "");

    // when
    JwtProvider set = provider(EdgeGateway.of(Cases.translate(yaml)));
    JwtProvider unset = provider(EdgeGateway.of(Cases.translate(defaults)));

    // then http_uri.timeout carries it
    assertThat(set.getRemoteJwks().getHttpUri().getTimeout().getSeconds()).isEqualTo(2);
    assertThat(unset.getRemoteJwks().getHttpUri().getTimeout().getSeconds()).isEqualTo(5);
  }

  private static VirtualHost host(GroupResources group, String name) {
    RouteConfiguration table = unpack(group.routes(), RouteConfiguration.class).get(0);
    return table.getVirtualHostsList().stream()
        .filter(h -> h.getDomainsList().contains(name))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> removedHeaders(Route route) throws Exception {
    return route
        .getTypedPerFilterConfigOrThrow(CLAIM_HEADERS)
        .unpack(HeaderMutationPerRoute.class)
        .getMutations()
        .getRequestMutationsList()
        .stream()
        .map(m -> m.getRemove())
        .toList();
  }

  private static JwtProvider provider(GroupResources group) throws Exception {
    JwtAuthentication filter =
        EdgeGateway.connectionManager(group).getHttpFiltersList().stream()
            .filter(f -> f.getName().equals(JWT))
            .findFirst()
            .orElseThrow()
            .getTypedConfig()
            .unpack(JwtAuthentication.class);
    return filter.getProvidersOrThrow("default/teams/corp");
  }
}
