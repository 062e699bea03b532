package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
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
  void everyProxylessGroupIsServedTheProxylessSnapshot() {
    assertThat(ProxyGroups.served("proxyless/shop/orders")).isEqualTo("proxyless");
    assertThat(ProxyGroups.served("proxyless")).isEqualTo("proxyless");
    assertThat(ProxyGroups.served("sidecar/shop/api")).isEqualTo("sidecar/shop/api");
  }
}
