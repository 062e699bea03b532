package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.xds.resolve.EdgeServices;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a node serves the rate limit service, and which address Envoy is told. */
class RateLimitSettingsTest {
  private static final Map<String, String> REDIS =
      Map.of("MESHGATE_REDIS", "redis://10.0.0.9:6379");

  @Test
  void withoutARedisTheNodeServesNoneAndEnvoyKnowsOnlyTheEndpointsGiven() {
    RateLimitSettings none = RateLimitSettings.of(Map.of(), "127.0.0.1:18081", null);
    RateLimitSettings elsewhere =
        RateLimitSettings.of(Map.of(), "127.0.0.1:18081", "10.0.0.5:18081, 10.0.0.6:18081");

    assertThat(none.serve()).isEmpty();
    assertThat(none.envoyEndpoints()).isEmpty();
    assertThat(elsewhere.serve()).isEmpty();
    assertThat(elsewhere.envoyEndpoints())
        .containsExactly(
            new EdgeServices.Address("10.0.0.5", 18081),
            new EdgeServices.Address("10.0.0.6", 18081));
  }

  @Test
  void withARedisTheNodeServesAndEnvoyDialsItsAddressUnlessEndpointsAreGiven() {
    RateLimitSettings own = RateLimitSettings.of(REDIS, "127.0.0.1:18081", null);
    RateLimitSettings listed = RateLimitSettings.of(REDIS, "0.0.0.0:18081", "10.0.0.5:18081");
    RateLimitSettings off = RateLimitSettings.of(REDIS, "off", null);

    assertThat(own.serve()).hasValueSatisfying(a -> assertThat(a.getPort()).isEqualTo(18081));
    assertThat(own.redis()).hasValueSatisfying(r -> assertThat(r.host()).isEqualTo("10.0.0.9"));
    assertThat(own.envoyEndpoints()).containsExactly(new EdgeServices.Address("127.0.0.1", 18081));
    assertThat(listed.envoyEndpoints())
        .isEqualTo(List.of(new EdgeServices.Address("10.0.0.5", 18081)));
    assertThat(off.serve()).isEmpty();
  }

  @Test
  void aWildcardAddressNeedsTheEndpointsEnvoyDialsAndANameIsRefused() {
    assertThatThrownBy(() -> RateLimitSettings.of(REDIS, "0.0.0.0:18081", null))
        .hasMessageContaining("MESHGATE_RLS_ENDPOINTS");
    assertThatThrownBy(() -> RateLimitSettings.of(REDIS, "127.0.0.1:18081", "rls.internal:18081"))
        .hasMessageContaining("is not an IP address");
  }
}
