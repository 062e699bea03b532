package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.xds.resolve.EdgeServices;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignatureSettingsTest {
  @Test
  void theSignatureServiceRunsOnLoopbackByDefault() {
    SignatureSettings settings = SignatureSettings.fromEnvironment(Map.of());

    assertThat(settings.authz()).hasValueSatisfying(a -> assertThat(a.getPort()).isEqualTo(18082));
    assertThat(settings.authz().get().getHostString()).isEqualTo("127.0.0.1");
    assertThat(settings.envoyAddress()).isEqualTo(EdgeServices.DEFAULTS.authz());
    assertThat(settings.redis().toString()).isEqualTo("redis://127.0.0.1:6379/0");
  }

  @Test
  void offRunsNoServiceAndEnvoyKeepsTheDefaultAddress() {
    SignatureSettings settings =
        SignatureSettings.fromEnvironment(Map.of("MESHGATE_AUTHZ_ADDR", "off"));

    assertThat(settings.authz()).isEmpty();
    assertThat(settings.envoyAddress()).isEqualTo(EdgeServices.DEFAULTS.authz());
  }

  @Test
  void anAddressIsWhereTheServiceListensAndWhereEnvoyCallsIt() {
    SignatureSettings settings =
        SignatureSettings.fromEnvironment(
            Map.of("MESHGATE_AUTHZ_ADDR", "10.0.0.5:9000", "MESHGATE_REDIS", "redis://r:6380"));

    assertThat(settings.authz().get().getPort()).isEqualTo(9000);
    assertThat(settings.envoyAddress()).isEqualTo(new EdgeServices.Address("10.0.0.5", 9000));
    assertThat(settings.redis().host()).isEqualTo("r");
  }
}
