package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.meshbridge.meshca.MeshCaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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

  @Test
  void anonymousStreamsAreServedByDefaultOnlyOnALoopbackXdsPort() {
    Optional<Path> none = Optional.empty();
    assertThat(
            XdsSecurity.of(none, none, none, Optional.empty(), NodeSettings.address(":18000"))
                .allowAnonymous())
        .isTrue();
    assertThat(
            XdsSecurity.of(
                    none, none, none, Optional.empty(), NodeSettings.address("0.0.0.0:18000"))
                .allowAnonymous())
        .isFalse();
    assertThat(
            XdsSecurity.of(
                    none, none, none, Optional.of(true), NodeSettings.address("0.0.0.0:18000"))
                .allowAnonymous())
        .isTrue();
    assertThat(
            XdsSecurity.of(none, none, none, Optional.of(false), NodeSettings.address(":18000"))
                .allowAnonymous())
        .isFalse();
  }

  @Test
  void theMeshCaIssuesForMeshgateLocalForADayByDefault() {
    NodeSettings settings = NodeSettings.builder("k:9092", "http://e:2379", "r").build();

    assertThat(settings.meshCa())
        .isEqualTo(new MeshCaSettings("meshgate.local", Duration.ofHours(24)));
    assertThat(settings.meshCa().reissuePeriod()).isEqualTo(Duration.ofHours(16));
  }

  @Test
  void aBadTrustDomainOrATooShortMeshCertTtlIsRefused() {
    NodeSettings.Builder builder = NodeSettings.builder("k:9092", "http://e:2379", "r");

    assertThatThrownBy(() -> builder.trustDomain("Shop/Example").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("trust domain: 'Shop/Example' (expected: lower-case letters, digits, . _ -)");
    assertThatThrownBy(
            () -> builder.trustDomain("shop.example").meshCertTtl(Duration.ofMinutes(9)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mesh certificate TTL: PT9M (expected: at least PT10M)");
  }
}
