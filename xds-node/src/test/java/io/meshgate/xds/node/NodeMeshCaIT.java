package io.meshgate.xds.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.store.Keyspace;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.meshca.MeshCaRoots;
import io.meshgate.testkit.EtcdCluster;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Replicas with the seal key run the mesh CA: one root for all, the same certificates. */
class NodeMeshCaIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final SpiffeId ORDERS = new SpiffeId("shop.example", "shop", "orders");

  @TempDir Path sealDir;

  private final List<XdsNode> nodes = new ArrayList<>();

  @BeforeEach
  void emptyKeyspace() throws Exception {
    etcd.client()
        .getKVClient()
        .delete(ByteSequence.from(Keyspace.MESH_CA_ROOTS, UTF_8))
        .get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    nodes.forEach(XdsNode::close);
  }

  @Test
  void replicasWithTheSealKeyShareOneRootAndServeTheSameCertificates() throws Exception {
    // given
    SealKeyPair.generate().writeTo(sealDir);
    Path sealKey = sealDir.resolve(SealKeyPair.PRIVATE_FILE);

    // when
    XdsNode a = start("a", sealKey);
    XdsNode b = start("b", sealKey);

    // then
    assertThat(new MeshCaRoots(etcd.client(), "shop.example", Clock.systemUTC()).read()).hasSize(1);
    IdentitySource fromA = a.identities().orElseThrow();
    IdentitySource fromB = b.identities().orElseThrow();
    assertThat(fromA.trustDomain()).isEqualTo("shop.example");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fromA.bundle().isPresent() && fromB.bundle().isPresent());
    IdentitySnapshot snapshot = fromA.snapshotFor(Set.of(ORDERS));
    assertThat(snapshot.get(ORDERS)).isPresent();
    assertThat(fromB.snapshotFor(Set.of(ORDERS))).isEqualTo(snapshot);
  }

  @Test
  void aReplicaWithoutTheSealKeyRunsNoMeshCa() {
    // when
    XdsNode node =
        XdsNode.startServingOnly(
            NodeSettings.builder("127.0.0.1:9", etcd.endpointList(), "plain")
                .anyLoopbackPorts()
                .build());
    nodes.add(node);

    // then
    assertThat(node.identities()).isEmpty();
  }

  private XdsNode start(String replica, Path sealKey) {
    XdsNode node =
        XdsNode.startServingOnly(
            NodeSettings.builder("127.0.0.1:9", etcd.endpointList(), replica)
                .anyLoopbackPorts()
                .sealKey(sealKey)
                .trustDomain("shop.example")
                .build());
    nodes.add(node);
    return node;
  }
}
