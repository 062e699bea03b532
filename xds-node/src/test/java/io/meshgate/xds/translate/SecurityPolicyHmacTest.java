package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.resolve.EdgeServices;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.Resolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * SecurityPolicy hmac through the production entry: where meshgate's signature check sits in the
 * chain, that a listener without signed routes is untouched, and where Envoy reaches the service
 * (gateway-hmac-signatures shows the whole output).
 */
class SecurityPolicyHmacTest {
  private static final String FILTER = "envoy.filters.http.ext_authz/meshgate-hmac";
  private static final String CLUSTER = "meshgate/authz";

  /** The sealed Secret of the golden case: keyids partner-1 and partner-2. */
  private static String sealedKeys() throws IOException {
    String input =
        Files.readString(
            Path.of("src/test/resources/golden/envoy/gateway-hmac-signatures/input.yaml"));
    return Arrays.stream(input.split("\n---\n"))
        .filter(doc -> doc.contains("name: partner-hmac-keys}\ntype: Opaque"))
        .findFirst()
        .orElseThrow();
  }

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
      """;

  private static String policy(String fields) {
    return """
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: gateway-policy}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
        %s
        """
        .formatted(fields.indent(2));
  }

  @Test
  void theSignatureCheckComesAfterAuthorizationOnClaimsAndBeforeOtherAuthorizationServices()
      throws Exception {
    // given a Gateway policy with JWT, an operator's authorization service and signatures
    String yaml =
        GATEWAY_AND_ROUTE
            + policy(
                """
                jwt:
                  providers:
                    - name: corp
                      remoteJWKS: {uri: "https://login.example.com/jwks"}
                extAuth: {backendRef: {name: authz}}
                hmac: {keys: {name: partner-hmac-keys}}
                """)
            + "---\n"
            + sealedKeys();

    // when
    Cases.Translated translated = Cases.translate(yaml);
    GroupResources group = EdgeGateway.of(translated);

    // then
    assertThat(translated.ir().problems()).isEmpty();
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
            "envoy.filters.http.ext_authz/default/gateway-policy",
            "envoy.filters.http.local_ratelimit",
            "envoy.filters.http.header_mutation",
            "envoy.filters.http.fault",
            "envoy.filters.http.router");
    assertThat(
            EdgeGateway.httpFilters(group).stream()
                .filter(f -> f.getName().equals(FILTER))
                .findFirst()
                .orElseThrow()
                .getDisabled())
        .isTrue();
  }

  @Test
  void aListenerWithoutSignedRoutesHasNeitherTheFilterNorTheCluster() throws Exception {
    // given a policy with everything but hmac
    String yaml =
        GATEWAY_AND_ROUTE + policy("extAuth: {backendRef: {name: authz}}") + "---\n" + sealedKeys();

    // when
    GroupResources group = EdgeGateway.of(Cases.translate(yaml));

    // then
    assertThat(EdgeGateway.filterNames(group)).doesNotContain(FILTER);
    assertThat(unpack(group.clusters(), Cluster.class))
        .extracting(Cluster::getName)
        .doesNotContain(CLUSTER);
  }

  @Test
  void envoyReachesTheServiceAtMeshgateAuthzAddr() throws Exception {
    // given a node started with MESHGATE_AUTHZ_ADDR=10.1.2.3:9999
    String yaml =
        GATEWAY_AND_ROUTE
            + policy("hmac: {keys: {name: partner-hmac-keys}}")
            + "---\n"
            + sealedKeys();
    Cases.Translated defaults = Cases.translate(yaml);
    MeshSettings mesh =
        MeshSettings.DEFAULTS.withEdge(
            EdgeServices.DEFAULTS.withAuthz(EdgeServices.Address.parse("10.1.2.3:9999")));

    // when
    ResolvedIr ir =
        Resolver.resolve(
            defaults.inputs().config(),
            defaults.inputs().endpoints(),
            defaults.inputs().keys(),
            mesh,
            defaults.inputs().identities(),
            defaults.inputs().issuers());
    GroupResources group =
        Cases.envoy(ir, defaults.inputs().keys(), defaults.inputs().identities()).stream()
            .filter(g -> g.group().equals("gateway/default/edge"))
            .findFirst()
            .orElseThrow();

    // then a STATIC cluster, HTTP/2, to that address
    Cluster cluster =
        unpack(group.clusters(), Cluster.class).stream()
            .filter(c -> c.getName().equals(CLUSTER))
            .findFirst()
            .orElseThrow();
    SocketAddress address =
        cluster
            .getLoadAssignment()
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getEndpoint()
            .getAddress()
            .getSocketAddress();
    assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(address.getAddress()).isEqualTo("10.1.2.3");
    assertThat(address.getPortValue()).isEqualTo(9999);
  }

  @Test
  void theServiceAddressMustBeAnIpAddressSinceTheClusterIsStatic() {
    assertThatThrownBy(() -> EdgeServices.Address.parse("authz.internal:18082"))
        .hasMessageContaining("is not an IP address");
    assertThatThrownBy(() -> EdgeServices.Address.parse("127.0.0.1"))
        .hasMessageContaining("expected: host:port");
    assertThat(EdgeServices.Address.parse("[::1]:18082").host()).isEqualTo("::1");
  }
}
