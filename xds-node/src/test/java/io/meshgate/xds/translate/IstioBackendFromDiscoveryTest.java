package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.pipeline.Inputs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An Istio service whose workloads are also registered in Consul (VMs with Istio's sidecar and a
 * Consul agent): its Backend takes the endpoints from Consul and still speaks Istio's mTLS to them.
 * The endpoints are whatever the Backend's source says; the east-west gateway of {@code static} is
 * one choice, not the only one.
 */
class IstioBackendFromDiscoveryTest {
  private static final ConfigSnapshot CONFIG =
      Cases.snapshot(
          BridgeConfigs.istioGateway(
              "consul: {service: reviews}", "bookinfo-reviews", "istiod.istio-system.svc:15012"));

  @Test
  void anIstioBackendWatchedInConsulGetsConsulsInstancesWithIstiosMtls() throws Exception {
    // given: Consul knows two instances of reviews, one of them unhealthy
    EndpointSnapshot discovered =
        new EndpointSnapshot(
            Map.of(
                new ResourceKey(Kind.BACKEND, "edge", "reviews"),
                List.of(
                    endpoint("10.4.0.1", EndpointHealth.HEALTHY),
                    endpoint("10.4.0.2", EndpointHealth.UNHEALTHY))));

    // when
    Cases.Translated translated =
        Cases.translate(
            new Inputs(
                CONFIG, discovered, Cases.KEYS.ringFor(CONFIG), TestIdentities.forConfig(CONFIG)));

    // then: no problem, and the Gateway's cluster to reviews speaks Istio's mTLS
    assertThat(translated.ir().problems()).isEmpty();
    GroupResources gateway =
        translated.groups().stream()
            .filter(g -> g.group().equals("gateway/edge/public"))
            .findFirst()
            .orElseThrow();
    Cluster reviews =
        unpack(gateway.clusters(), Cluster.class).stream()
            .filter(c -> c.getName().equals("edge/reviews"))
            .findFirst()
            .orElseThrow();
    UpstreamTlsContext tls =
        reviews.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("outbound_.9080_._.reviews.bookinfo.svc.cluster.local");
    assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("istio");
    assertThat(tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
        .isEqualTo("spiffe://cluster.local/ns/gateways/sa/meshgate-gw");

    // and its endpoints are Consul's instances, with their health
    ClusterLoadAssignment assignment =
        unpack(gateway.endpoints(), ClusterLoadAssignment.class).stream()
            .filter(a -> a.getClusterName().equals("edge/reviews"))
            .findFirst()
            .orElseThrow();
    assertThat(
            assignment.getEndpointsList().stream()
                .map(LocalityLbEndpoints::getLbEndpointsList)
                .flatMap(List::stream)
                .map(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress()))
        .containsExactlyInAnyOrder("10.4.0.1", "10.4.0.2");
    assertThat(
            assignment.getEndpointsList().stream()
                .map(LocalityLbEndpoints::getLbEndpointsList)
                .flatMap(List::stream)
                .filter(
                    e ->
                        e.getEndpoint()
                            .getAddress()
                            .getSocketAddress()
                            .getAddress()
                            .equals("10.4.0.2"))
                .map(LbEndpoint::getHealthStatus))
        .containsExactly(HealthStatus.UNHEALTHY);
  }

  private static DiscoveredEndpoint endpoint(String address, EndpointHealth health) {
    return new DiscoveredEndpoint(address, 9080, 1, "", "dc1", "consul/dc1/reviews", health, 0);
  }
}
