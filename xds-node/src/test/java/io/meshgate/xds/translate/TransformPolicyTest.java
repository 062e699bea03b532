package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutationPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.RouteIr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * TransformPolicy through the production entry: which level wins, what fails closed, and which
 * routes meet which filter (gateway-transform-headers, gateway-cache and gateway-transform-body
 * show the whole output).
 */
class TransformPolicyTest {
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
      metadata: {name: shop}
      spec:
        parentRefs: [{name: edge}]
        rules:
          - matches: [{path: {type: PathPrefix, value: /shop}}]
            backendRefs: [{name: app}]
          - name: admin
            matches: [{path: {type: PathPrefix, value: /shop/admin}}]
            backendRefs: [{name: app}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: plain}
      spec:
        parentRefs: [{name: edge}]
        rules:
          - matches: [{path: {type: PathPrefix, value: /plain}}]
            backendRefs: [{name: app}]
      """;

  @Test
  void aRulesHeadersReplaceTheRoutesWholeAndLeaveItsCacheInForce() throws Exception {
    // given
    String yaml =
        GATEWAY_AND_ROUTES
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: TransformPolicy
            metadata: {name: shop}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
              headers:
                request: {set: [{name: x-a, value: route}]}
                response: {remove: [x-b]}
              cache: {}
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: TransformPolicy
            metadata: {name: shop-admin}
            spec:
              targetRefs:
                - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop, sectionName: admin}
              headers:
                request: {set: [{name: x-a, value: admin}]}
            """;

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then
    Route admin = route(group, "/shop/admin");
    HeaderMutationPerRoute mutations =
        admin
            .getTypedPerFilterConfigOrThrow("envoy.filters.http.header_mutation")
            .unpack(HeaderMutationPerRoute.class);
    assertThat(mutations.getMutations().getRequestMutationsList())
        .singleElement()
        .satisfies(m -> assertThat(m.getAppend().getHeader().getValue()).isEqualTo("admin"));
    assertThat(mutations.getMutations().getResponseMutationsList()).isEmpty();
    assertThat(admin.getTypedPerFilterConfigMap()).containsKey("meshgate.cache/default/shop");
    assertThat(route(group, "/plain").getTypedPerFilterConfigMap()).isEmpty();
  }

  @Test
  void aCacheFilterIsInTheChainOffAndOnlyItsPolicysRoutesTurnItOn() throws Exception {
    String yaml =
        GATEWAY_AND_ROUTES
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: TransformPolicy
            metadata: {name: shop}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
              cache: {varyHeaders: [Accept-Encoding]}
            """;

    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    HttpFilter cache =
        EdgeGateway.httpFilters(group).stream()
            .filter(f -> f.getName().equals("meshgate.cache/default/shop"))
            .findFirst()
            .orElseThrow();
    assertThat(cache.getDisabled()).isTrue();
    assertThat(EdgeGateway.filterNames(group))
        .containsSubsequence(
            "envoy.filters.http.local_ratelimit",
            "envoy.filters.http.header_mutation",
            "meshgate.cache/default/shop",
            "envoy.filters.http.fault",
            "envoy.filters.http.router");
    assertThat(route(group, "/shop").getTypedPerFilterConfigMap())
        .containsOnlyKeys("meshgate.cache/default/shop");
    assertThat(route(group, "/plain").getTypedPerFilterConfigMap()).isEmpty();
  }

  @Test
  void aClaimInABodyValueWithoutAJwtRequirementAnswers500AndNeedsNoService() throws Exception {
    // given
    String yaml =
        GATEWAY_AND_ROUTES
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: TransformPolicy
            metadata: {name: shop}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
              body:
                request: [{type: Set, path: /user, value: "${claim.sub}"}]
            """;

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then both rules fail closed, the chain has no ext_proc and the group no service cluster
    assertThat(route(group, "/shop").getDirectResponse().getStatus()).isEqualTo(500);
    assertThat(route(group, "/shop/admin").getDirectResponse().getStatus()).isEqualTo(500);
    assertThat(EdgeGateway.filterNames(group)).doesNotContain("envoy.filters.http.ext_proc");
    assertThat(unpack(group.clusters(), Cluster.class))
        .extracting(Cluster::getName)
        .doesNotContain("meshgate/extproc");
    assertThat(translated.ir().problems())
        .isNotEmpty()
        .allSatisfy(
            p -> {
              assertThat(p.source().name()).isEqualTo("shop");
              assertThat(p.path()).isEqualTo("/spec/body/request/0/value");
              assertThat(p.reason()).isEqualTo(ProblemReason.INVALID);
            });
  }

  @Test
  void aRouteThatTransformsBodiesIsNeverCached() throws Exception {
    // given a Gateway-wide cache and a route that transforms its bodies
    String yaml =
        GATEWAY_AND_ROUTES
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: TransformPolicy
            metadata: {name: edge}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
              cache: {}
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: TransformPolicy
            metadata: {name: shop}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
              body:
                response: [{type: Remove, path: /internal}]
            """;

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then
    assertThat(route(group, "/shop").getTypedPerFilterConfigMap())
        .containsOnlyKeys("envoy.filters.http.ext_proc");
    assertThat(route(group, "/plain").getTypedPerFilterConfigMap())
        .containsOnlyKeys("meshgate.cache/default/edge");
    assertThat(translated.ir().problems())
        .isNotEmpty()
        .allSatisfy(
            p -> {
              assertThat(p.source().name()).isEqualTo("edge");
              assertThat(p.path()).isEqualTo("/spec/cache");
              assertThat(p.message()).contains("transforms bodies");
            });
  }

  @Test
  void aRouteThatDemandsSignaturesIsNeverCached() throws Exception {
    // given a Gateway-wide cache, and signatures on shop: a signed response is one caller's
    String hmacCase =
        Files.readString(
            Path.of("src/test/resources/golden/envoy/gateway-hmac-signatures/input.yaml"));
    String sealedKeys =
        Arrays.stream(hmacCase.split("\n---\n"))
            .filter(doc -> doc.contains("name: partner-hmac-keys}\ntype: Opaque"))
            .findFirst()
            .orElseThrow();
    String yaml =
        GATEWAY_AND_ROUTES
            + """
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: TransformPolicy
            metadata: {name: edge}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
              cache: {}
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: SecurityPolicy
            metadata: {name: shop}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
              hmac: {keys: {name: partner-hmac-keys}}
            ---
            """
            + sealedKeys;

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then the signed route checks signatures and is not cached; the unsigned one is cached
    assertThat(route(group, "/shop").getTypedPerFilterConfigMap())
        .doesNotContainKey("meshgate.cache/default/edge")
        .containsKey("envoy.filters.http.ext_authz/meshgate-hmac");
    assertThat(route(group, "/plain").getTypedPerFilterConfigMap())
        .containsOnlyKeys("meshgate.cache/default/edge");
    assertThat(translated.ir().problems())
        .anySatisfy(
            p -> {
              assertThat(p.path()).isEqualTo("/spec/cache");
              assertThat(p.message()).contains("behind authentication");
            });
  }

  @Test
  void proxylessClientsGetNoTransformationAndThePolicySaysSo() {
    // given a mesh route of a Backend, which proxyless clients use, with a TransformPolicy
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: app}
        spec:
          protocol: GRPC
          static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: mesh}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: app}]
          rules:
            - backendRefs: [{name: app}]
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: TransformPolicy
        metadata: {name: mesh}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: mesh}]
          headers: {request: {set: [{name: x-a, value: b}]}}
        """;

    // when
    Cases.Translated translated = Cases.translate(yaml);

    // then
    ProxyGroupIr proxyless =
        translated.ir().groups().stream()
            .filter(g -> g.name().equals("proxyless"))
            .findFirst()
            .orElseThrow();
    assertThat(
            proxyless.routeTables().stream()
                .flatMap(t -> t.virtualHosts().stream())
                .flatMap(h -> h.routes().stream())
                .map(RouteIr::policy))
        .allSatisfy(p -> assertThat(p == null || p.transform() == null).isTrue());
    assertThat(translated.ir().problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.source().name()).isEqualTo("mesh");
              assertThat(p.reason()).isEqualTo(ProblemReason.UNSUPPORTED_VALUE);
            });
  }

  private static Route route(GroupResources group, String prefix) {
    return EdgeGateway.routes(group).stream()
        .filter(r -> r.getMatch().getPathSeparatedPrefix().equals(prefix))
        .findFirst()
        .orElseThrow();
  }
}
