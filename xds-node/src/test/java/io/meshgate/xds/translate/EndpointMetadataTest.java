package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.pipeline.Inputs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Discovered endpoints' metadata reaches EDS as {@code filter_metadata["envoy.lb"]}, through
 * resolve and the envoy stage's entry; their provenance (with the source's index) never does, so a
 * new index with the same endpoints gives the same bytes and version.
 */
class EndpointMetadataTest {
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "default", "web");

  private static final ConfigSnapshot CONFIG =
      Cases.snapshot(
          """
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: web, namespace: default}
          spec: {protocol: GRPC, consul: {service: web}}
          """);

  private static DiscoveredEndpoint endpoint(String source, Map<String, String> metadata) {
    return new DiscoveredEndpoint(
        "10.0.0.1", 8080, 1, "", "dc1", source, EndpointHealth.HEALTHY, 0, metadata);
  }

  /** The EDS resource of default/web for proxyless clients, through the production translation. */
  private static EnvoyResource eds(DiscoveredEndpoint... endpoints) {
    Inputs inputs =
        new Inputs(
            CONFIG,
            new EndpointSnapshot(Map.of(WEB, List.of(endpoints))),
            Cases.KEYS.ringFor(CONFIG));
    return Cases.translate(inputs).groups().stream()
        .filter(g -> g.group().equals("proxyless"))
        .map(GroupResources::endpoints)
        .flatMap(List::stream)
        .filter(r -> r.name().equals("default/web"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void metadataBecomesEnvoyLbFilterMetadataWithStringValues() {
    // when
    EnvoyResource eds =
        eds(
            endpoint(
                "consul/dc1@42", Map.of("version", "v2", "tag.canary", "true", "node.rack", "r1")));

    // then
    LbEndpoint lbEndpoint =
        eds.unpack(ClusterLoadAssignment.class).getEndpoints(0).getLbEndpoints(0);
    Struct labels = lbEndpoint.getMetadata().getFilterMetadataOrThrow("envoy.lb");
    assertThat(lbEndpoint.getMetadata().getFilterMetadataMap()).containsOnlyKeys("envoy.lb");
    assertThat(labels.getFieldsMap())
        .containsOnlyKeys("node.rack", "tag.canary", "version")
        .allSatisfy((k, v) -> assertThat(v.hasStringValue()).as(k).isTrue());
    assertThat(labels.getFieldsOrThrow("version").getStringValue()).isEqualTo("v2");
  }

  @Test
  void anEndpointWithoutMetadataHasNone() {
    LbEndpoint lbEndpoint =
        eds(endpoint("consul/dc1@42", Map.of()))
            .unpack(ClusterLoadAssignment.class)
            .getEndpoints(0)
            .getLbEndpoints(0);

    assertThat(lbEndpoint.hasMetadata()).isFalse();
  }

  @Test
  void aNewSourceIndexWithTheSameEndpointsGivesTheSameBytesAndVersion() {
    // given: the same endpoint as two answers of Consul at different indexes carried it
    Map<String, String> metadata = Map.of("version", "v2");
    EnvoyResource before = eds(endpoint("consul/dc1@41", metadata));

    // when
    EnvoyResource after = eds(endpoint("consul/dc1@42+static", metadata));

    // then
    assertThat(after.packed().toByteString()).isEqualTo(before.packed().toByteString());
    assertThat(after.version()).isEqualTo(before.version());
  }

  @Test
  void aChangeOfMetadataIsANewVersion() {
    EnvoyResource v1 = eds(endpoint("consul/dc1@41", Map.of("version", "v1")));
    EnvoyResource v2 = eds(endpoint("consul/dc1@41", Map.of("version", "v2")));

    assertThat(v2.version()).isNotEqualTo(v1.version());
  }
}
