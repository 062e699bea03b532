package io.meshgate.xds.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Resource;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoredValues;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.meshca.MeshCaRoots;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.xds.snapshot.TypeUrls;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Replicas with the seal key run the mesh CA: one root for all, the same certificates. */
class NodeMeshCaIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final SpiffeId ORDERS = SpiffeId.workload("shop.example", "shop", "orders");

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
    assertThat(fromA.trustDomain()).contains("shop.example");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fromA.bundle().isPresent() && fromB.bundle().isPresent());
    IdentitySnapshot snapshot = fromA.snapshotFor(Set.of(ORDERS));
    assertThat(snapshot.get(ORDERS)).isPresent();
    assertThat(fromB.snapshotFor(Set.of(ORDERS))).isEqualTo(snapshot);
  }

  @Test
  void replicasServeASidecarItsIdentityAndTheBundleAsTheSameSecrets() throws Exception {
    // given: two replicas with the seal key, and a Sidecar of an in-mesh Backend in etcd
    SealKeyPair.generate().writeTo(sealDir);
    Path sealKey = sealDir.resolve(SealKeyPair.PRIVATE_FILE);
    XdsNode a = start("a", sealKey);
    XdsNode b = start("b", sealKey);

    // when
    for (String yaml :
        List.of(
            "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: web, namespace: shop}\n"
                + "spec: {mesh: {}, static: {endpoints: [{address: 10.0.0.1, port: 21000}]}}\n",
            "apiVersion: meshgate.io/v1alpha1\nkind: Sidecar\nmetadata: {name: web, namespace: shop}\n"
                + "spec: {service: web, inbound: {port: 21000, localPort: 8080}}\n")) {
      Resource resource =
          ((Validation.Valid)
                  ResourceValidator.get().validate(YamlDocuments.read("-", yaml).get(0).tree()))
              .resource();
      etcd.client()
          .getKVClient()
          .put(
              ByteSequence.from(Keyspace.resource(resource.key()), UTF_8),
              ByteSequence.from(StoredValues.resource(resource)))
          .get(10, TimeUnit.SECONDS);
    }

    // then: the sidecar's group holds its identity and the bundle, the same on both replicas
    String identity = "spiffe://shop.example/ns/shop/sa/web";
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> secrets(a).containsKey(identity) && secrets(b).containsKey(identity));
    assertThat(secrets(a)).containsOnlyKeys(identity, "spiffe://shop.example");
    assertThat(secrets(a)).isEqualTo(secrets(b));
    assertThat(a.snapshots().get("sidecar/shop/web").orElseThrow().type(TypeUrls.SECRET).version())
        .isEqualTo(
            b.snapshots().get("sidecar/shop/web").orElseThrow().type(TypeUrls.SECRET).version());
  }

  /** The Secrets a replica serves the sidecar, by name, as bytes. */
  private static Map<String, ByteString> secrets(XdsNode node) {
    Map<String, ByteString> byName = new TreeMap<>();
    node.snapshots()
        .get("sidecar/shop/web")
        .ifPresent(
            s ->
                s.type(TypeUrls.SECRET)
                    .resources()
                    .forEach((name, r) -> byName.put(name, r.resource().getValue())));
    return byName;
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
