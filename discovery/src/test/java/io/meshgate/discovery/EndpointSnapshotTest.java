package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
  void mergedMetadataIsBothSourcesWithTheFirstSourcesValueAndProvenanceKeepsEachIndex() {
    DiscoveredEndpoint fromConsul =
        endpoint("10.0.0.1", 1, "", "consul/dc1@42", EndpointHealth.HEALTHY, 0)
            .withMetadata(Map.of("version", "v2", "tag.canary", "true"));
    DiscoveredEndpoint fromWorkload =
        endpoint("10.0.0.1", 1, "", "workload/vm-1", EndpointHealth.HEALTHY, 0)
            .withMetadata(Map.of("version", "v1", "app", "web"));

    assertThat(EndpointSnapshot.merged(List.of(fromConsul, fromWorkload)))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.metadata())
                  .containsExactlyEntriesOf(
                      new TreeMap<>(Map.of("app", "web", "tag.canary", "true", "version", "v2")));
              assertThat(e.source()).isEqualTo("consul/dc1@42+workload/vm-1");
            });
  }

  @Test
  void mergedMetadataStaysWithinItsBounds() {
    Map<String, String> first = new HashMap<>();
    Map<String, String> second = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      first.put("a%02d".formatted(i), "v");
      second.put("b%02d".formatted(i), "v");
    }

    assertThat(
            EndpointSnapshot.merged(
                List.of(
                    endpoint("10.0.0.1", 1, "", "consul/dc1@1", EndpointHealth.HEALTHY, 0)
                        .withMetadata(first),
                    endpoint("10.0.0.1", 1, "", "static", EndpointHealth.HEALTHY, 0)
                        .withMetadata(second))))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.metadata()).hasSize(EndpointMetadata.MAX_ENTRIES);
              assertThat(e.metadata()).containsKeys("a00", "a39", "b00", "b23");
            });
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

  @Test
  void aWorkloadsLabelsAreItsEndpointsMetadataAndStaticEndpointsHaveNone() {
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
            metadata: {name: vm-1, namespace: default, labels: {app: web, version: v2}}
            spec: {address: 10.0.0.7, ports: [{name: http, port: 8080}]}
            """);

    assertThat(StaticEndpointSource.from(config).endpoints(WEB))
        .extracting(DiscoveredEndpoint::metadata)
        .containsExactly(Map.of(), Map.of("app", "web", "version", "v2"));
  }

  @Test
  void aSortedListWithOneAddressAtTwoPrioritiesIsStillMerged() {
    // given: sorted by priority, address and port, the same address first and last
    List<DiscoveredEndpoint> sorted = new ArrayList<>();
    sorted.add(endpoint("10.0.0.1", 1, "", "consul/dc1", EndpointHealth.HEALTHY, 0));
    for (int i = 2; i <= 20; i++) {
      sorted.add(endpoint("10.0.0." + i, 1, "", "consul/dc1", EndpointHealth.HEALTHY, 0));
    }
    sorted.add(endpoint("10.0.0.1", 1, "", "consul/dc2", EndpointHealth.UNHEALTHY, 1));

    // when: short and long (the check for an already merged list differs by length)
    List<DiscoveredEndpoint> shortMerged =
        EndpointSnapshot.merged(List.of(sorted.get(0), sorted.get(1), sorted.get(20)));
    List<DiscoveredEndpoint> longMerged = EndpointSnapshot.merged(sorted);

    // then: one 10.0.0.1, with both sources
    assertThat(shortMerged).hasSize(2);
    assertThat(longMerged).hasSize(20);
    for (List<DiscoveredEndpoint> merged : List.of(shortMerged, longMerged)) {
      assertThat(merged.get(0).source()).isEqualTo("consul/dc1+consul/dc2");
      assertThat(merged.get(0).health()).isEqualTo(EndpointHealth.UNHEALTHY);
    }
  }

  @Test
  void anAlreadyMergedListMergesToItself() {
    List<DiscoveredEndpoint> merged =
        EndpointSnapshot.merged(
            List.of(
                endpoint("10.0.0.2", 1, "", "static", EndpointHealth.HEALTHY, 0),
                endpoint("10.0.0.1", 5, "z1", "consul/dc1", EndpointHealth.UNHEALTHY, 1),
                endpoint("10.0.0.1", 1, "", "static", EndpointHealth.HEALTHY, 0)));

    assertThat(EndpointSnapshot.merged(merged)).isEqualTo(merged);
    assertThat(new EndpointSnapshot(Map.of(WEB, merged)).endpoints(WEB)).isEqualTo(merged);
  }

  @Test
  void aMergedListIsKeptAsItIsByTheNextSnapshotMadeFromIt() {
    List<DiscoveredEndpoint> merged =
        EndpointSnapshot.merged(
            List.of(
                endpoint("10.0.0.2", 1, "", "static", EndpointHealth.HEALTHY, 0),
                endpoint("10.0.0.1", 1, "", "static", EndpointHealth.HEALTHY, 0)));

    assertThat(new EndpointSnapshot(Map.of(WEB, merged)).endpoints(WEB)).isSameAs(merged);
  }

  @Test
  void sharingKeepsTheLastInstanceOfEveryUnchangedBackendAndTheNewOneOfAChangedBackend() {
    // given: two snapshots made anew, in which web is equal and api moved one endpoint
    ResourceKey api = new ResourceKey(Kind.BACKEND, "default", "api");
    EndpointSnapshot before = webAndApi(api, "10.0.1.1");
    EndpointSnapshot now = webAndApi(api, "10.0.1.2");
    assertThat(now.endpoints(WEB)).isNotSameAs(before.endpoints(WEB));

    // when
    EndpointSnapshot shared = now.sharing(before);

    // then: equal to what it was made from; web's list is the last one's, api's the new one
    assertThat(shared).isEqualTo(now);
    assertThat(shared.endpoints(WEB)).isSameAs(before.endpoints(WEB));
    assertThat(shared.endpoints(api)).isSameAs(now.endpoints(api));
  }

  /** web at 10.0.0.1 and api at {@code apiAddress}, each list made anew. */
  private static EndpointSnapshot webAndApi(ResourceKey api, String apiAddress) {
    return new EndpointSnapshot(
        Map.of(
            WEB,
            new ArrayList<>(
                List.of(endpoint("10.0.0.1", 1, "", "static", EndpointHealth.HEALTHY, 0))),
            api,
            new ArrayList<>(
                List.of(endpoint(apiAddress, 1, "", "static", EndpointHealth.HEALTHY, 0)))));
  }
}
