package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.Resolver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SecurityPolicy waf through the production entry: where the wasm filter sits, which routes turn it
 * on, what Coraza is given, and what a replica without a WAF module does to the routes a WAF policy
 * governs (gateway-waf-crs-block and gateway-waf-detection-only-with-exclusions show whole
 * outputs).
 */
class SecurityPolicyWafTest {
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

  private static String gatewayPolicy(String body) {
    return """
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: edge-policy}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
        %s
        """
        .formatted(body.indent(2));
  }

  private static final String HEALTH_UNFILTERED =
      """
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: SecurityPolicy
      metadata: {name: health-unfiltered}
      spec:
        targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: health}]
        waf: {disabled: true}
      """;

  private static Route route(GroupResources group, String name) {
    RouteConfiguration table = unpack(group.routes(), RouteConfiguration.class).get(0);
    return table.getVirtualHosts(0).getRoutesList().stream()
        .filter(r -> r.getName().equals("httproute/default/" + name + "/rule/0/match/0"))
        .findFirst()
        .orElseThrow();
  }

  private static List<HttpFilter> wasmFilters(GroupResources group) throws Exception {
    return EdgeGateway.httpFilters(group).stream()
        .filter(f -> f.getName().startsWith("meshgate.waf/"))
        .toList();
  }

  @Test
  void theWafComesAfterTheAddressRulesAndBeforeEveryAuthenticationAndIsOffUnlessARouteTurnsItOn()
      throws Exception {
    // given a Gateway policy with address rules, a JWT provider and a WAF
    String yaml =
        GATEWAY_AND_ROUTES
            + gatewayPolicy(
                """
                ipAccess: {deny: [203.0.113.0/24]}
                jwt:
                  providers:
                    - name: corp
                      remoteJWKS: {uri: "https://login.example.com/jwks"}
                waf: {coreRuleSet: {paranoiaLevel: 2}}
                """)
            + HEALTH_UNFILTERED;

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then an attack payload is refused before any credential is looked at
    List<String> chain = EdgeGateway.filterNames(group);
    String waf = wasmFilters(group).get(0).getName();
    assertThat(chain.subList(0, 4))
        .containsExactly(
            "envoy.filters.http.cors",
            "meshgate.ip_access",
            waf,
            "envoy.filters.http.api_key_auth");
    assertThat(chain.indexOf(waf)).isLessThan(chain.indexOf("envoy.filters.http.jwt_authn"));
    assertThat(wasmFilters(group))
        .singleElement()
        .satisfies(f -> assertThat(f.getDisabled()).isTrue());
    // and only the governed route turns it on; health's own policy turns it off
    assertThat(route(group, "shop").getTypedPerFilterConfigMap()).containsKey(waf);
    assertThat(route(group, "health").getTypedPerFilterConfigMap()).doesNotContainKey(waf);
    assertThat(route(group, "health").hasRoute()).isTrue();
    assertThat(translated.ir().problems()).isEmpty();
  }

  @Test
  void corazaGetsOneNamedDirectiveSetAsItsDefaultAndEnvoyTheModuleByUrlAndSha256()
      throws Exception {
    // given
    String yaml =
        GATEWAY_AND_ROUTES
            + gatewayPolicy(
                """
                waf:
                  mode: DetectionOnly
                  ruleExclusions: {ruleIds: [942100]}
                """);

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then
    HttpFilter filter = wasmFilters(group).get(0);
    Wasm wasm = filter.getTypedConfig().unpack(Wasm.class);
    assertThat(wasm.getConfig().getName()).isEqualTo(filter.getName());
    assertThat(wasm.getConfig().getVmConfig().getRuntime()).isEqualTo("envoy.wasm.runtime.v8");
    var remote = wasm.getConfig().getVmConfig().getCode().getRemote();
    assertThat(remote.getHttpUri().getUri()).isEqualTo(Cases.WAF_MODULE.url());
    assertThat(remote.getSha256()).isEqualTo(Cases.WAF_MODULE.sha256());
    assertThat(remote.getHttpUri().getCluster()).isEqualTo("waf-module/files.example.com:443");
    JsonNode config =
        new ObjectMapper()
            .readTree(wasm.getConfig().getConfiguration().unpack(StringValue.class).getValue());
    assertThat(config.get("default_directives").asText()).isEqualTo(filter.getName());
    List<String> lines = new ArrayList<>();
    config.get("directives_map").get(filter.getName()).forEach(l -> lines.add(l.asText()));
    assertThat(lines)
        .contains("SecRuleEngine DetectionOnly", "Include @owasp_crs/*.conf")
        .endsWith("SecRuleRemoveById 942100");
    assertThat(config.has("per_authority_directives")).isFalse();
    // and the module's host is a cluster of the group, over TLS that checks the host's name
    Cluster module =
        unpack(group.clusters(), Cluster.class).stream()
            .filter(c -> c.getName().equals("waf-module/files.example.com:443"))
            .findFirst()
            .orElseThrow();
    assertThat(module.getType()).isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
    assertThat(module.hasTransportSocket()).isTrue();
  }

  @Test
  void withoutAWafModuleTheGovernedRoutesAnswer500AndThePolicySaysWhy() throws Exception {
    // given a replica started without MESHGATE_WAF_MODULE_URL and _SHA256
    String yaml = GATEWAY_AND_ROUTES + gatewayPolicy("waf: {}") + HEALTH_UNFILTERED;
    Inputs inputs = Cases.inputs(Cases.snapshot(yaml));

    // when
    ResolvedIr ir =
        Resolver.resolve(
            inputs.config(),
            inputs.endpoints(),
            inputs.keys(),
            MeshSettings.DEFAULTS,
            inputs.identities(),
            inputs.issuers());
    GroupResources group =
        EdgeGateway.of(
            new Cases.Translated(inputs, ir, Cases.envoy(ir, inputs.keys(), inputs.identities())));

    // then the route that asked for a WAF is never served without one
    assertThat(route(group, "shop").getDirectResponse().getStatus()).isEqualTo(500);
    assertThat(route(group, "shop").hasRoute()).isFalse();
    // the route whose own policy turned the WAF off is served
    assertThat(route(group, "health").hasRoute()).isTrue();
    assertThat(wasmFilters(group)).isEmpty();
    assertThat(ir.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.source().name()).isEqualTo("edge-policy");
              assertThat(p.path()).isEqualTo("/spec/waf");
              assertThat(p.reason()).isEqualTo(ProblemReason.WAF_MODULE_UNAVAILABLE);
              assertThat(p.text()).contains("MESHGATE_WAF_MODULE_URL");
            });
  }

  @Test
  void aListenerWithoutAWafPolicyHasNoWasmFilterAndNoModuleCluster() throws Exception {
    // given a policy that only turns the WAF off, and nothing that turns it on
    String yaml = GATEWAY_AND_ROUTES + HEALTH_UNFILTERED;

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then
    assertThat(wasmFilters(group)).isEmpty();
    assertThat(unpack(group.clusters(), Cluster.class))
        .noneMatch(c -> c.getName().startsWith("waf-module/"));
  }

  @Test
  void aRoutePickedAgainByClaimsMustHaveTheSameWafAsTheRoutesOfItsHost() throws Exception {
    // given routes of one host that differ in their WAF, and a provider that re-picks the route
    String yaml =
        GATEWAY_AND_ROUTES
            + gatewayPolicy(
                """
                jwt:
                  providers:
                    - name: corp
                      remoteJWKS: {uri: "https://login.example.com/jwks"}
                      claimToHeaders: [{claim: team, header: x-team}]
                      recomputeRoute: true
                waf: {}
                """)
            + HEALTH_UNFILTERED;

    // when
    ResolvedIr ir = Cases.translate(yaml).ir();

    // then the WAF, which runs before JWT, is named as what differs
    assertThat(ir.problems())
        .anySatisfy(
            p -> {
              assertThat(p.path()).isEqualTo("/spec/jwt/providers/0/recomputeRoute");
              assertThat(p.text()).contains(") differ in waf;");
            });
  }
}
