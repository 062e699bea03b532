package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NodeSettingsTest {
  @Test
  void passwordsInAddressesAreRedactedForLogs() {
    assertThat(
            NodeSettings.redacted("https://root:s3cret@etcd-1:2379,https://root:other@etcd-2:2379"))
        .isEqualTo("https://root:***@etcd-1:2379,https://root:***@etcd-2:2379")
        .doesNotContain("s3cret");
    assertThat(NodeSettings.redacted("127.0.0.1:9092")).isEqualTo("127.0.0.1:9092");
  }

  @Test
  void anAddressWithoutHostMeansLoopback() {
    assertThat(NodeSettings.address(":18000").getHostString()).isEqualTo("127.0.0.1");
    assertThat(NodeSettings.address("0.0.0.0:18000").getPort()).isEqualTo(18000);
  }
}
