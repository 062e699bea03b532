package io.meshgate.xds.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.xds.translate.TestConfigs;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The default factory's sources against the Consul double's Connect CA: a Consul MeshBridge naming
 * a Gateway brings the Gateway's leaf into a build's identities, and a CA rotation in Consul is a
 * change the pipeline hears of.
 */
class BridgeSourcesIT {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private final ConsulApiDouble consul = ConsulApiDouble.builder().start();
  private final BridgeSources sources = BridgeSources.of(Optional.empty());

  @AfterEach
  void stop() {
    sources.close();
    consul.close();
  }

  private String config(String serviceName) {
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: MeshBridge
        metadata: {name: consul-mesh, namespace: infra}
        spec:
          mesh: Consul
          trustDomain: %s
          ca: {consul: {address: "%s", datacenter: %s}}
          gateways: [edge]
          serviceName: %s
        """
        .formatted(
            consul.connectTrustDomain(), consul.address(), consul.localDatacenter(), serviceName);
  }

  @Test
  void aConsulBridgesGatewayGetsItsLeafFromTheAgent() {
    // given the gateway's ID as Consul issues it
    SpiffeId id = SpiffeId.parse(consul.leafServiceUri("edge-gateway")).orElseThrow();

    // when a config names a Consul bridge for the gateway
    sources.configChanged(TestConfigs.snapshot(config("edge-gateway")));

    // then a build's identities hold its leaf, and the bridge's trust bundle
    IssuedIdentity leaf = awaitLeaf(id);
    assertThat(leaf.id()).isEqualTo(id);
    assertThat(leaf.chainPem()).contains("BEGIN CERTIFICATE");
    Identities identities = sources.snapshotsFor(Set.of(id), Optional.empty());
    assertThat(identities.bundleOf(consul.connectTrustDomain())).isPresent();
    // and an ID of another service is not handed out
    SpiffeId other = SpiffeId.parse(consul.leafServiceUri("someone-else")).orElseThrow();
    assertThat(sources.snapshotsFor(Set.of(id, other), Optional.empty()).get(other)).isEmpty();
  }

  @Test
  void aCaRotationInConsulIsAChange() {
    // given a gateway's leaf
    SpiffeId id = SpiffeId.parse(consul.leafServiceUri("edge")).orElseThrow();
    sources.configChanged(TestConfigs.snapshot(config("edge")));
    IssuedIdentity before = awaitLeaf(id);
    AtomicInteger changes = new AtomicInteger();
    sources.onChange(changes::incrementAndGet);

    // when Consul's CA rotates its root (and re-issues every leaf)
    consul.rotateConnectCa();

    // then the listeners hear of it, and the next build has the new leaf and both roots
    await().atMost(PATIENCE).until(() -> changes.get() > 0);
    await()
        .atMost(PATIENCE)
        .until(
            () -> {
              Identities now = sources.snapshotsFor(Set.of(id), Optional.empty());
              return !now.get(id).orElseThrow().fingerprint().equals(before.fingerprint())
                  && now.bundleOf(consul.connectTrustDomain())
                      .orElseThrow()
                      .rootsPem()
                      .containsAll(consul.connectRootsPem())
                  && consul.connectRootsPem().size() == 2;
            });
  }

  private IssuedIdentity awaitLeaf(SpiffeId id) {
    return await()
        .atMost(PATIENCE)
        .until(
            () -> sources.snapshotsFor(Set.of(id), Optional.empty()).get(id), Optional::isPresent)
        .orElseThrow();
  }
}
