package io.meshgate.xds.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.testkit.IstiodCaDouble;
import io.meshgate.xds.translate.TestConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default factory's Istio sources against {@link IstiodCaDouble} (istiod's CA service over
 * TLS): an Istio MeshBridge naming a Gateway brings the Gateway's Istio identity into a build's
 * identities, asked for with the node's token and trusting istiod only through the node's Istio
 * root; without that access no source runs.
 */
class IstioBridgeSourcesIT {
  @TempDir Path dir;

  private final IstiodCaDouble istiod = IstiodCaDouble.startDefault();
  private BridgeSources sources;
  private IstioAccess access;

  @BeforeEach
  void access() throws Exception {
    Path token = dir.resolve("istio-token");
    Files.writeString(token, "gateway-token");
    Path root = dir.resolve("root-cert.pem");
    Files.writeString(root, istiod.rootPem());
    istiod.token("gateway-token", "gateways", "meshgate-gw");
    access = new IstioAccess(token, root);
  }

  @AfterEach
  void stop() {
    if (sources != null) {
      sources.close();
    }
    istiod.close();
  }

  private String config() {
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: MeshBridge
        metadata: {name: istio-east, namespace: gateways}
        spec:
          mesh: Istio
          trustDomain: %s
          ca: {istio: {address: "%s"}}
          gateways: [edge]
          serviceName: meshgate-gw
        """
        .formatted(istiod.trustDomain(), istiod.address());
  }

  @Test
  void anIstioBridgesGatewayGetsItsIdentityFromIstiod() {
    // given
    sources = BridgeSources.of(Optional.empty(), Optional.of(access));
    AtomicInteger changes = new AtomicInteger();
    sources.onChange(changes::incrementAndGet);
    SpiffeId id = SpiffeId.workload(istiod.trustDomain(), "gateways", "meshgate-gw");

    // when
    sources.configChanged(TestConfigs.snapshot(config()));

    // then: the identity and Istio's root, asked for with the node's token
    Identities identities =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> sources.snapshotsFor(Set.of(id), Optional.empty()),
                i -> i.get(id).isPresent());
    assertThat(identities.bundleOf(istiod.trustDomain())).isPresent();
    assertThat(changes.get()).isPositive();
    assertThat(istiod.received()).isNotEmpty();
  }

  @Test
  void withoutTheNodesIstioAccessNoSourceRuns() {
    // given
    sources = BridgeSources.of(Optional.empty(), Optional.empty());

    // when
    sources.configChanged(TestConfigs.snapshot(config()));

    // then
    assertThat(sources.sources()).isEmpty();
    assertThat(istiod.requests()).isZero();
  }
}
