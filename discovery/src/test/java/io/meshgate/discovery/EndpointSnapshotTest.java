package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The merge rule for an endpoint several sources report, and a Backend with several sources. */
class EndpointSnapshotTest {
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "default", "web");

  private static DiscoveredEndpoint endpoint(
      String address, int weight, String zone, String source, EndpointHealth health, int priority) {
    return new DiscoveredEndpoint(address, 8080, weight, zone, "", source, health, priority);
  }

  @Test
  void anEndpointTwoSourcesReportIsOneWithTheLeastHealthyReportLargestWeightAndFirstPriority() {
    List<DiscoveredEndpoint> merged =
        EndpointSnapshot.merged(
            List.of(
                endpoint("10.0.0.1", 1, "", "static", EndpointHealth.HEALTHY, 0),
                endpoint("10.0.0.1", 5, "z1", "consul/dc1", EndpointHealth.UNHEALTHY, 1),
                endpoint("10.0.0.2", 1, "", "static", EndpointHealth.HEALTHY, 0)));

    assertThat(merged)
        .containsExactly(
            new DiscoveredEndpoint(
                "10.0.0.1", 8080, 5, "z1", "", "consul/dc1+static", EndpointHealth.UNHEALTHY, 0),
            endpoint("10.0.0.2", 1, "", "static", EndpointHealth.HEALTHY, 0));
  }

  @Test
  void unhealthyOutranksDrainingWhichOutranksHealthy() {
    assertThat(
            EndpointSnapshot.merged(
                List.of(
                    endpoint("10.0.0.1", 1, "", "consul/dc1", EndpointHealth.DRAINING, 0),
                    endpoint("10.0.0.1", 1, "", "nomad/dc1", EndpointHealth.HEALTHY, 0))))
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.DRAINING);
    assertThat(
            EndpointSnapshot.merged(
                List.of(
                    endpoint("10.0.0.1", 1, "", "consul/dc1", EndpointHealth.DRAINING, 0),
                    endpoint("10.0.0.1", 1, "", "dns/web", EndpointHealth.UNHEALTHY, 0))))
        .extracting(DiscoveredEndpoint::health)
        .containsExactly(EndpointHealth.UNHEALTHY);
  }

  @Test
  void aBackendsStaticAndDiscoveredEndpointsAreMergedNotReplaced() {
    EndpointSnapshot fromConfig =
        new EndpointSnapshot(
            Map.of(WEB, List.of(endpoint("10.0.0.1", 1, "", "static", EndpointHealth.HEALTHY, 0))));
    EndpointSnapshot discovered =
        new EndpointSnapshot(
            Map.of(
                WEB,
                List.of(endpoint("10.0.0.9", 1, "", "consul/dc1", EndpointHealth.HEALTHY, 0))));

    assertThat(fromConfig.with(discovered).endpoints(WEB))
        .extracting(e -> e.address() + " " + e.source())
        .containsExactly("10.0.0.1 static", "10.0.0.9 consul/dc1");
  }

  @Test
  void aBackendWithStaticEndpointsAndWorkloadsGetsBoth() {
    var config =
        TestConfigs.snapshot(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: web, namespace: default}
            spec:
              static: {endpoints: [{address: 10.0.0.1, port: 8080}]}
              workloads: {selector: {matchLabels: {app: web}}}
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: Workload
            metadata: {name: vm-1, namespace: default, labels: {app: web}}
            spec: {address: 10.0.0.7, ports: [{name: http, port: 8080}]}
            """);

    assertThat(StaticEndpointSource.from(config).endpoints(WEB))
        .extracting(e -> e.address() + " " + e.source())
        .containsExactly("10.0.0.1 static", "10.0.0.7 workload/vm-1");
  }
}
