package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ResolvedIr;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SecurityPolicy JWT through the production entry: which routes Envoy checks, and what a policy
 * that cannot be translated does to them (gateway-jwt-authentication shows the whole output).
 */
class SecurityPolicyJwtTest {
  private static final String GATEWAY_AND_ROUTE =
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
      metadata: {name: shop}
      spec:
        parentRefs: [{name: edge}]
        rules:
          - matches: [{path: {type: PathPrefix, value: /shop}}]
            backendRefs: [{name: app}]
      """;

  private static String gatewayPolicy(String jwksUri) {
    return """
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: gateway-jwt}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
          jwt:
            providers:
              - name: corp
                remoteJWKS: {uri: "%s"}
        """
        .formatted(jwksUri);
  }

  private static Route shopRoute(GroupResources group) {
    RouteConfiguration table = unpack(group.routes(), RouteConfiguration.class).get(0);
    return table.getVirtualHosts(0).getRoutes(0);
  }

  @Test
  void aRoutePolicyWithoutJwtLeavesTheGatewaysJwtInForce() throws Exception {
    // given a JWT policy on the Gateway and a CORS-only policy on the route
    String yaml =
        GATEWAY_AND_ROUTE
            + gatewayPolicy("https://login.example.com/jwks")
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: SecurityPolicy
            metadata: {name: shop-cors}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
              cors: {allowOrigins: ["https://shop.example.com"]}
            """;

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then jwt is taken field by field: the route's policy does not set it
    assertThat(shopRoute(group).getTypedPerFilterConfigMap())
        .containsKey("envoy.filters.http.jwt_authn");
    assertThat(EdgeGateway.filterNames(group))
        .containsExactly(
            "envoy.filters.http.cors",
            "meshgate.ip_access",
            "envoy.filters.http.api_key_auth",
            "envoy.filters.http.basic_auth",
            "meshgate.untrusted_headers",
            "envoy.filters.http.jwt_authn",
            "envoy.filters.http.rbac",
            "envoy.filters.http.local_ratelimit",
            "envoy.filters.http.header_mutation",
            "envoy.filters.http.fault",
            "envoy.filters.http.router");
  }

  @Test
  void aBrokenGatewayPolicyFailsClosedOnEveryRouteItGoverns() throws Exception {
    // given a key-set URL with no host Envoy could resolve
    String yaml = GATEWAY_AND_ROUTE + gatewayPolicy("https://login_corp.example.com/jwks");

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then the route answers 500 instead of becoming public, and the policy says why
    Route route = shopRoute(group);
    assertThat(route.hasDirectResponse()).isTrue();
    assertThat(route.getDirectResponse().getStatus()).isEqualTo(500);
    assertThat(EdgeGateway.filterNames(group)).doesNotContain("envoy.filters.http.jwt_authn");
    assertThat(translated.ir().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.source().name()).isEqualTo("gateway-jwt");
              assertThat(p.path()).isEqualTo("/spec/jwt/providers/0/remoteJWKS/uri");
              assertThat(p.reason()).isEqualTo(ProblemReason.INVALID);
            });
  }

  @Test
  void theJwtIrReadsBackAsTheSameIr() {
    // given the golden case's IR, which holds providers, requirements and key-set clusters
    ResolvedIr ir =
        Cases.resolve(
            GoldenFiles.read(
                EnvoyGoldenTest.ROOT.resolve("gateway-jwt-authentication").resolve("input.yaml")));

    // when
    String yaml = Cases.irYaml(ir);

    // then the IR is a contract the envoy stage can be fed from YAML alone
    assertThat(ir.groups().get(0).dnsClusters()).hasSize(2);
    assertThat(Cases.readIr(yaml).groups())
        .isEqualTo(ir.groups().stream().map(Cases::withoutOwner).toList());
  }

  @Test
  void routesWithoutASecurityPolicyGetNoJwtFilterOrRequirement() throws Exception {
    // when
    GroupResources group = EdgeGateway.of(Cases.translate(GATEWAY_AND_ROUTE));

    // then
    assertThat(shopRoute(group).getTypedPerFilterConfigMap())
        .doesNotContainKey("envoy.filters.http.jwt_authn");
    assertThat(EdgeGateway.filterNames(group)).doesNotContain("envoy.filters.http.jwt_authn");
  }

  private static String routePolicy(String body) {
    return """
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: shop}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
        """
        + body.indent(2);
  }

  private static String jwksSecret(String json) {
    return """
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: keys}
        data:
          jwks: %s
        """
        .formatted(Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)));
  }

  private static final String EC_JWKS =
      """
      {"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"XWX7iCGjtLeQAdbjwLiFW-QAZruVr0JPicrAuNXhPgA",\
      "y":"O8Q5sGqJeclTfyf7DJii2yxr4tZdsN7o-g7xlpFjDwc"}]}""";

  @Test
  void aClaimHeaderTheClientSentIsRemovedBeforeTheTokenIsVerified() throws Exception {
    // given a provider that copies sub into X-User
    String yaml =
        GATEWAY_AND_ROUTE
            + jwksSecret(EC_JWKS)
            + routePolicy(
                """
                jwt:
                  providers:
                    - name: corp
                      localJWKS: {name: keys}
                      claimToHeaders: [{claim: sub, header: X-User}]
                """);

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then the route removes x-user, in a filter that runs before jwt_authn writes it
    HeaderMutationPerRoute removal =
        shopRoute(group)
            .getTypedPerFilterConfigOrThrow("meshgate.untrusted_headers")
            .unpack(HeaderMutationPerRoute.class);
    assertThat(removal.getMutations().getRequestMutationsList())
        .extracting(m -> m.getRemove())
        .containsExactly("x-user");
    List<String> chain = EdgeGateway.filterNames(group);
    assertThat(chain.indexOf("meshgate.untrusted_headers"))
        .isEqualTo(chain.indexOf("envoy.filters.http.jwt_authn") - 1);
  }

  @Test
  void anOptionalTokenStillRefusesATokenThatFails() throws Exception {
    // given allowMissing
    String yaml =
        GATEWAY_AND_ROUTE
            + jwksSecret(EC_JWKS)
            + routePolicy(
                """
                jwt:
                  allowMissing: true
                  providers: [{name: corp, localJWKS: {name: keys}}]
                """);

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then allow_missing (a bad token is 401), never allow_missing_or_failed (it would pass)
    JwtAuthentication filter =
        EdgeGateway.filterConfig(group, "envoy.filters.http.jwt_authn", JwtAuthentication.class);
    JwtRequirement requirement = filter.getRequirementMapOrThrow("default/shop");
    assertThat(requirement.getRequiresAny().getRequirementsList())
        .extracting(r -> r.getRequiresTypeCase())
        .containsExactly(
            JwtRequirement.RequiresTypeCase.PROVIDER_NAME,
            JwtRequirement.RequiresTypeCase.ALLOW_MISSING);
    assertThat(filter.getProvidersOrThrow("default/shop/corp").getLocalJwks().getInlineString())
        .isEqualTo(EC_JWKS);
  }

  @Test
  void aLocalKeySetThatIsNotAJwksFailsClosed() throws Exception {
    // given a Secret whose jwks is JSON, but no key set
    String yaml =
        GATEWAY_AND_ROUTE
            + jwksSecret("{\"kty\": \"EC\"}")
            + routePolicy(
                """
                jwt:
                  providers: [{name: corp, localJWKS: {name: keys}}]
                """);

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then
    assertThat(shopRoute(EdgeGateway.of(translated)).getDirectResponse().getStatus())
        .isEqualTo(500);
    assertThat(translated.ir().problems())
        .singleElement()
        .satisfies(p -> assertThat(p.path()).isEqualTo("/spec/jwt/providers/0/localJWKS"));
  }

  @Test
  void rulesOnClaimsWithoutAJwtOnTheRouteFailClosed() throws Exception {
    // given a scope rule and no jwt at any level
    String yaml =
        GATEWAY_AND_ROUTE
            + routePolicy(
                """
                authorization:
                  rules:
                    - {name: writers, action: Allow, principal: {jwt: {scopes: ["orders:write"]}}}
                """);

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then the route answers 500: no claim could ever match, and a Deny rule would never deny
    assertThat(shopRoute(EdgeGateway.of(translated)).getDirectResponse().getStatus())
        .isEqualTo(500);
    assertThat(translated.ir().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).isEqualTo("/spec/authorization");
              assertThat(p.reason()).isEqualTo(ProblemReason.INVALID);
            });
  }

  @Test
  void rulesOnMethodsAndPathsAloneNeedNoJwt() throws Exception {
    // given
    String yaml =
        GATEWAY_AND_ROUTE
            + routePolicy(
                """
                authorization:
                  defaultAction: Allow
                  rules: [{name: no-deletes, action: Deny, operation: {methods: [DELETE]}}]
                """);

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then the route is served, with its rules in the RBAC filter after jwt_authn's place
    Route route = shopRoute(EdgeGateway.of(translated));
    assertThat(translated.ir().problems()).isEmpty();
    assertThat(route.hasRoute()).isTrue();
    assertThat(route.getTypedPerFilterConfigMap()).containsKey("envoy.filters.http.rbac");
    assertThat(EdgeGateway.filterNames(EdgeGateway.of(translated)))
        .contains("envoy.filters.http.rbac");
  }

  @Test
  void theClaimsAndClientAddressIrReadsBackAsTheSameIr() {
    for (String golden :
        List.of("gateway-jwt-claims-authorization", "gateway-client-ip-behind-proxy")) {
      // given a golden case's IR: authorization rules, inline key sets, token sources, hops
      ResolvedIr ir =
          Cases.resolve(
              GoldenFiles.read(EnvoyGoldenTest.ROOT.resolve(golden).resolve("input.yaml")));

      // when
      String yaml = Cases.irYaml(ir);

      // then
      assertThat(Cases.readIr(yaml).groups())
          .as(golden)
          .isEqualTo(ir.groups().stream().map(Cases::withoutOwner).toList());
    }
  }

  @Test
  void aMissingCaForTheKeySetFailsClosed() throws Exception {
    // given a CA Secret that does not exist
    String yaml =
        GATEWAY_AND_ROUTE
            + routePolicy(
                """
                jwt:
                  providers:
                    - name: corp
                      remoteJWKS:
                        uri: https://login.example.com/jwks
                        caCertificateRefs: [{kind: Secret, name: corp-ca}]
                """);

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then the route answers 500 rather than trusting some other CA
    assertThat(shopRoute(EdgeGateway.of(translated)).getDirectResponse().getStatus())
        .isEqualTo(500);
    assertThat(translated.ir().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path())
                  .isEqualTo("/spec/jwt/providers/0/remoteJWKS/caCertificateRefs/0");
              assertThat(p.reason()).isEqualTo(ProblemReason.INVALID_CA_CERTIFICATE_REF);
            });
  }
}
