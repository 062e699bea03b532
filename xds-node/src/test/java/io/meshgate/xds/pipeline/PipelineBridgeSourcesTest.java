package io.meshgate.xds.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.SignedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import io.meshgate.xds.identity.BridgeSources;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.resolve.MeshIdentities;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.translate.TestConfigs;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline asks every bridge source for the IDs its config needs, and a bridge source's change
 * rebuilds as a mesh CA's change does.
 */
class PipelineBridgeSourcesTest {
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private final List<Set<SpiffeId>> asked = new CopyOnWriteArrayList<>();
  private final List<Runnable> sourceListeners = new CopyOnWriteArrayList<>();
  private final BridgeSources bridges =
      BridgeSources.of(Optional.empty(), (consul, namespace, service) -> new Recording());
  private final Pipeline pipeline =
      new Pipeline(
          new SnapshotStore(),
          Duration.ofMillis(10),
          Duration.ofMillis(50),
          KeyLoader.none(),
          MeshSettings.DEFAULTS,
          Optional.empty(),
          bridges);

  @AfterEach
  void close() {
    pipeline.close();
    bridges.close();
  }

  @Test
  void aNewBridgeSourceAndItsChangesRebuild() {
    // given a config with a Consul bridge, built once before the bridge sources heard of it
    ConfigSnapshot config =
        TestConfigs.snapshot(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: infra}
            spec:
              listeners: [{name: http, port: 80, protocol: HTTP}]
            ---
            apiVersion: meshgate.io/v1alpha1
            kind: MeshBridge
            metadata: {name: consul-mesh, namespace: infra}
            spec:
              mesh: Consul
              trustDomain: 11111111-2222-3333-4444-555555555555.consul
              ca: {consul: {address: "http://consul:8500"}}
              gateways: [edge]
            """);
    pipeline.accept(config);
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(pipeline.rebuilds()).isEqualTo(1));
    assertThat(asked).isEmpty();

    // when the bridge sources start the bridge's source
    bridges.configChanged(config);

    // then the pipeline builds again, asking it for the IDs the config needs
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              assertThat(pipeline.rebuilds()).isEqualTo(2);
              assertThat(asked).isNotEmpty();
            });
    assertThat(asked).containsOnly(MeshIdentities.requiredBy(config, MeshSettings.DEFAULTS));
    int askedBefore = asked.size();

    // when the bridge source has a new snapshot
    sourceListeners.forEach(Runnable::run);

    // then the pipeline builds again, asking the source again
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(pipeline.rebuilds()).isEqualTo(3));
    assertThat(asked).hasSizeGreaterThan(askedBefore);
  }

  /** Records what the pipeline asks; its listeners are the test's. */
  private final class Recording implements IdentitySource {
    @Override
    public Optional<String> trustDomain() {
      return Optional.empty();
    }

    @Override
    public IdentitySnapshot snapshotFor(Set<SpiffeId> ids) {
      asked.add(ids);
      return IdentitySnapshot.empty();
    }

    @Override
    public SignedIdentity sign(SpiffeId id, PublicKey publicKey) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<TrustBundle> bundle() {
      return Optional.empty();
    }

    @Override
    public void onChange(Runnable listener) {
      sourceListeners.add(listener);
    }

    @Override
    public void close() {}
  }
}
