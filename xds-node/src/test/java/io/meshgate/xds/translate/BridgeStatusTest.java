package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.Resolver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a MeshBridge's status says about the identities its source issued, or did not. */
class BridgeStatusTest {
  private static final String TD = "11111111-2222-3333-4444-555555555555.consul";
  private static final String ID = "spiffe://" + TD + "/ns/default/dc/dc1/svc/meshgate-edge";
  private static final ConfigSnapshot CONFIG =
      Cases.snapshot(
          """
          apiVersion: gateway.networking.k8s.io/v1
          kind: Gateway
          metadata: {name: public, namespace: edge}
          spec:
            gatewayClassName: meshgate
            listeners: [{name: http, port: 8080, protocol: HTTP}]
          ---
          apiVersion: meshgate.io/v1alpha1
          kind: MeshBridge
          metadata: {name: consul-dc1, namespace: edge}
          spec:
            mesh: Consul
            trustDomain: %s
            ca: {consul: {address: "http://127.0.0.1:8500", datacenter: dc1}}
            gateways: [public, absent]
            serviceName: meshgate-edge
          """
              .formatted(TD));

  @Test
  void anIssuedIdentityLeavesTheBridgeWithoutProblems() {
    assertThat(bridgeProblems(TestIdentities.forConfig(CONFIG))).isEmpty();
  }

  @Test
  void aMissingIdentityIsAProblemOnTheBridgeNamingTheId() {
    // when
    List<Problem> problems = bridgeProblems(Identities.empty());

    // then: one, for the Gateway that exists
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).reason()).isEqualTo(ProblemReason.IDENTITY_UNAVAILABLE);
    assertThat(problems.get(0).toString())
        .contains("/spec/gateways/0")
        .contains("no certificate for " + ID + " yet");
  }

  @Test
  void aSourceThatCannotReachItsCaIsAProblemSayingSinceWhen() {
    // given: the identity is there, and its source says it is serving the last good one
    Instant since = Instant.parse("2026-12-06T10:00:00Z");
    List<IdentitySnapshot> stale = new ArrayList<>();
    for (IdentitySnapshot snapshot : TestIdentities.forConfig(CONFIG).snapshots()) {
      boolean consul = snapshot.bundle().orElseThrow().trustDomain().equals(TD);
      stale.add(
          consul
              ? new IdentitySnapshot(
                  snapshot.bundle(),
                  snapshot.identities(),
                  Optional.of(new IdentitySnapshot.Problem("the Consul agent is down", since)))
              : snapshot);
    }

    // when
    List<Problem> problems = bridgeProblems(new Identities(stale));

    // then
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).toString())
        .contains("serving the last certificate for " + ID)
        .contains("the Consul agent is down (since " + since + ")");
  }

  @Test
  void aBridgeInANonDefaultConsulPartitionIsRefusedAndJoinsNothing() {
    // given: the bridge in partition team-a, whose IDs and SNI Consul writes in another form
    ConfigSnapshot partitioned =
        Cases.snapshot(
            BridgeConfigs.consulGateway("public", "web", TD, "http://127.0.0.1:8500", null)
                .replace("datacenter: dc1}", "datacenter: dc1, partition: team-a}"));

    // when
    ResolvedIr resolved =
        Resolver.resolve(
            partitioned,
            StaticEndpointSource.from(partitioned),
            KeyRing.empty(),
            MeshSettings.DEFAULTS,
            TestIdentities.forConfig(partitioned));

    // then: one problem at the field, and the Gateway's cluster to web carries no mesh TLS
    List<Problem> problems =
        resolved.problems().stream().filter(p -> p.toString().startsWith("MeshBridge/")).toList();
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).reason()).isEqualTo(ProblemReason.UNSUPPORTED_VALUE);
    assertThat(problems.get(0).toString())
        .contains("/spec/ca/consul/partition")
        .contains("partitions other than default are not supported");
    assertThat(Cases.irYaml(resolved)).doesNotContain("web.default.dc1.internal");
  }

  @Test
  void aTokenSecretThatDoesNotExistIsAProblemAtTheReference() {
    ConfigSnapshot config =
        Cases.snapshot(
            BridgeConfigs.consulGateway("public", "web", TD, "http://127.0.0.1:8500", null)
                .replace("datacenter: dc1}", "datacenter: dc1, token: {name: consul-token}}"));

    List<Problem> problems =
        Resolver.resolve(
                config,
                StaticEndpointSource.from(config),
                KeyRing.empty(),
                MeshSettings.DEFAULTS,
                Identities.empty())
            .problems()
            .stream()
            .filter(p -> p.reason() == ProblemReason.INVALID)
            .toList();

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).toString())
        .startsWith("MeshBridge/edge/consul-dc1 /spec/ca/consul/token/name")
        .contains("Secret edge/consul-token does not exist");
  }

  private static List<Problem> bridgeProblems(Identities identities) {
    return Resolver.resolve(
            CONFIG,
            StaticEndpointSource.from(CONFIG),
            KeyRing.empty(),
            MeshSettings.DEFAULTS,
            identities)
        .problems()
        .stream()
        .filter(p -> p.toString().startsWith("MeshBridge/"))
        .toList();
  }
}
