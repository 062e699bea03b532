package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.meshbridge.identity.Denial;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.pipeline.Inputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A Consul intention that denies the Gateway a bridged Backend: reported, and not routed to. */
class BridgeIntentionsTest {
  private static final String TD = "11111111-2222-3333-4444-555555555555.consul";
  private static final SpiffeId GATEWAY = SpiffeId.consulService(TD, "default", "dc1", "edge");
  private static final SpiffeId WEB = SpiffeId.consulService(TD, "default", "dc1", "web");
  private static final ConfigSnapshot CONFIG =
      Cases.snapshot(BridgeConfigs.consulGateway("edge", "web", TD, "http://127.0.0.1:8500", null));

  @Test
  void anAllowedTargetIsRoutedToWithoutAProblem() {
    // when
    Cases.Translated translated = translate(TestIdentities.forConfig(CONFIG));

    // then
    assertThat(refusals(translated)).isEmpty();
    assertThat(webEndpoints(translated)).isEqualTo(1);
  }

  @Test
  void aDeniedTargetIsRefNotPermittedNamingTheIntentionAndGetsNoEndpoints() {
    // given: the bridge's source reports an intention that denies edge => web
    List<IdentitySnapshot> snapshots = new ArrayList<>();
    for (IdentitySnapshot snapshot : TestIdentities.forConfig(CONFIG).snapshots()) {
      boolean consul = snapshot.bundle().orElseThrow().trustDomain().equals(TD);
      snapshots.add(
          consul
              ? new IdentitySnapshot(
                  snapshot.bundle(),
                  snapshot.identities(),
                  snapshot.problem(),
                  List.of(
                      new Denial(
                          GATEWAY, WEB, "Consul intention edge => web (deny) [5e1b] denies it")))
              : snapshot);
    }

    // when
    Cases.Translated translated = translate(new Identities(snapshots));

    // then
    List<Problem> refused = refusals(translated);
    assertThat(refused).hasSize(1);
    assertThat(refused.get(0).toString())
        .startsWith("HTTPRoute/edge/shop /spec/rules/0/backendRefs/0")
        .contains("Consul intention edge => web (deny) [5e1b] denies it")
        .contains("Gateway edge/edge");
    assertThat(webEndpoints(translated)).isZero();
  }

  private static Cases.Translated translate(Identities identities) {
    EndpointSnapshot endpoints =
        new EndpointSnapshot(
            Map.of(
                new ResourceKey(Kind.BACKEND, "edge", "web"),
                List.of(
                    new DiscoveredEndpoint(
                        "10.0.0.1",
                        21000,
                        1,
                        "",
                        "dc1",
                        "consul-connect/dc1/web",
                        EndpointHealth.HEALTHY,
                        0))));
    return Cases.translate(new Inputs(CONFIG, endpoints, Cases.KEYS.ringFor(CONFIG), identities));
  }

  private static List<Problem> refusals(Cases.Translated translated) {
    return translated.ir().problems().stream()
        .filter(p -> p.reason() == ProblemReason.REF_NOT_PERMITTED)
        .toList();
  }

  private static int webEndpoints(Cases.Translated translated) {
    return translated.groups().stream()
        .filter(g -> g.group().equals("gateway/edge/edge"))
        .flatMap(g -> unpack(g.endpoints(), ClusterLoadAssignment.class).stream())
        .filter(a -> a.getClusterName().equals("edge/web"))
        .mapToInt(a -> a.getEndpointsList().stream().mapToInt(e -> e.getLbEndpointsCount()).sum())
        .sum();
  }
}
