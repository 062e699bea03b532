package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.EndpointIr;
import io.meshgate.xds.ir.LocalityIr;
import io.meshgate.xds.resolve.Resolver;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Discovered endpoints' priorities and health through resolve: a failover source's place becomes
 * the locality's priority, numbered densely from 0 (gRPC refuses gaps), health carries through.
 */
class EndpointPrioritiesTest {
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "default", "web");

  private static ClusterIr cluster(List<DiscoveredEndpoint> endpoints) {
    ConfigSnapshot config =
        Cases.snapshot(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: web, namespace: default}
            spec: {protocol: GRPC, consul: {service: web, datacenter: dc1, failover: [dc2]}}
            """);
    return Resolver.resolve(config, new EndpointSnapshot(Map.of(WEB, endpoints))).groups().stream()
        .flatMap(g -> g.clusters().stream())
        .filter(c -> c.name().equals("default/web"))
        .findFirst()
        .orElseThrow();
  }

  private static DiscoveredEndpoint at(String address, String dc, int priority) {
    return new DiscoveredEndpoint(
        address, 8080, 1, "", dc, "consul/" + dc, EndpointHealth.HEALTHY, priority);
  }

  @Test
  void eachSourcesPlaceIsItsLocalitysPriority() {
    ClusterIr cluster = cluster(List.of(at("10.2.0.1", "dc2", 1), at("10.1.0.1", "dc1", 0)));

    assertThat(cluster.localities())
        .extracting(l -> l.region() + " p" + l.priority())
        .containsExactly("dc1 p0", "dc2 p1");
  }

  @Test
  void withTheFirstSourceEmptyTheFailoverIsPriorityZeroNotAGap() {
    ClusterIr cluster = cluster(List.of(at("10.2.0.1", "dc2", 1)));

    assertThat(cluster.localities()).extracting(LocalityIr::priority).containsExactly(0);
  }

  @Test
  void unhealthyAndDrainingEndpointsCarryTheirHealth() {
    ClusterIr cluster =
        cluster(
            List.of(
                new DiscoveredEndpoint(
                    "10.1.0.1", 8080, 1, "", "dc1", "consul/dc1", EndpointHealth.UNHEALTHY, 0),
                new DiscoveredEndpoint(
                    "10.1.0.2", 8080, 1, "", "dc1", "consul/dc1", EndpointHealth.DRAINING, 0)));

    assertThat(cluster.localities().get(0).endpoints())
        .extracting(EndpointIr::health)
        .containsExactly(EndpointIr.Health.UNHEALTHY, EndpointIr.Health.DRAINING);
  }
}
