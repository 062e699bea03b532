package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyGroupsTest {
  private static Node proxyless(String value) {
    return Node.newBuilder()
        .setId("c1")
        .setCluster("proxyless")
        .setMetadata(
            Struct.newBuilder()
                .putFields(ProxyGroups.PROXYLESS, Value.newBuilder().setStringValue(value).build()))
        .build();
  }

  @Test
  void aProxylessClientIsGroupProxylessAndAServiceWithAnIdentityNamesIt() {
    assertThat(ProxyGroups.of(proxyless("true"))).isEqualTo("proxyless");
    assertThat(ProxyGroups.claimed(proxyless("true"))).isEqualTo("proxyless");
    assertThat(ProxyGroups.of(proxyless("shop/orders"))).isEqualTo("proxyless/shop/orders");
    assertThat(ProxyGroups.claimed(proxyless("shop/orders"))).isEqualTo("proxyless/shop/orders");
  }

  @Test
  void aProxylessServiceIsServedItsOwnGroupElseTheSharedProxylessOne() {
    // given: the shared group, and a group of its own for shop/greeter (it runs servers)
    SnapshotStore store = new SnapshotStore();
    store.replaceAll(
        List.of(
            GroupSnapshot.of(
                new GroupResources(
                    "proxyless", List.of(), List.of(), List.of(), List.of(), List.of()),
                1),
            GroupSnapshot.of(
                new GroupResources(
                    "proxyless/shop/greeter",
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of()),
                1)));

    // then
    assertThat(store.served("proxyless/shop/greeter").orElseThrow().group())
        .isEqualTo("proxyless/shop/greeter");
    assertThat(store.served("proxyless/shop/frontend").orElseThrow().group())
        .isEqualTo("proxyless");
    assertThat(store.served("sidecar/shop/api")).isEmpty();
    assertThat(SnapshotStore.affects("proxyless", "proxyless/shop/frontend")).isTrue();
    assertThat(SnapshotStore.affects("proxyless/shop/greeter", "proxyless/shop/frontend"))
        .isFalse();
  }
}
