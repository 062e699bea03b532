package io.meshgate.meshbridge.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Istio source's settings and its retry pauses, without istiod. */
class IstioCaSourceTest {
  private static final Path TOKEN = Path.of("/var/run/secrets/tokens/istio-token");

  @Test
  void theBackoffStartsAtAQuarterSecondDoublesAndStopsAtThirtySecondsWithJitter() {
    for (int i = 0; i < 200; i++) {
      assertThat(IstioCaSource.backoff(1))
          .isBetween(Duration.ofMillis(125), Duration.ofMillis(250));
      assertThat(IstioCaSource.backoff(2))
          .isBetween(Duration.ofMillis(250), Duration.ofMillis(500));
      assertThat(IstioCaSource.backoff(5)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
      assertThat(IstioCaSource.backoff(9))
          .isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
      assertThat(IstioCaSource.backoff(1000))
          .isBetween(Duration.ofSeconds(15), IstioCaSource.MAX_BACKOFF);
    }
    // jitter: not every pause the same
    assertThat(
            java.util.stream.IntStream.range(0, 50)
                .mapToObj(i -> IstioCaSource.backoff(8))
                .distinct()
                .count())
        .isGreaterThan(1);
  }

  @Test
  void theSettingsNameTheIdAndDefaultToADayWithoutACluster() {
    // when
    IstioCaSettings settings =
        new IstioCaSettings(
            "istiod.istio-system.svc:15012",
            Optional.empty(),
            TOKEN,
            "cluster.local",
            "edge",
            "gw");

    // then
    assertThat(settings.id().toString()).isEqualTo("spiffe://cluster.local/ns/edge/sa/gw");
    assertThat(settings.ttl()).isEqualTo(Duration.ofHours(24));
    assertThat(settings.clusterId()).isEmpty();
  }

  @Test
  void theSettingsRefuseWhatIstiodCouldNotIssue() {
    assertThatThrownBy(() -> settings(" ", "edge", "gw", Duration.ofHours(1)))
        .hasMessageContaining("address");
    assertThatThrownBy(() -> settings("istiod:15012", "Edge", "gw", Duration.ofHours(1)))
        .hasMessageContaining("namespace");
    assertThatThrownBy(() -> settings("istiod:15012", "edge", "g/w", Duration.ofHours(1)))
        .hasMessageContaining("serviceAccount");
    assertThatThrownBy(() -> settings("istiod:15012", "edge", "gw", Duration.ofSeconds(5)))
        .hasMessageContaining("ttl");
  }

  private static IstioCaSettings settings(
      String address, String namespace, String serviceAccount, Duration ttl) {
    return new IstioCaSettings(
        address,
        Optional.empty(),
        TOKEN,
        "cluster.local",
        namespace,
        serviceAccount,
        Optional.empty(),
        ttl);
  }
}
