package io.meshgate.config.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RejectedCopyTest {
  private static IncomingRecord record(String subject, String value) {
    return new IncomingRecord(
        "t",
        0,
        7,
        1_700_000_000_000L,
        "ns",
        Map.of("ce_subject", subject),
        value.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(RejectedCopy copy) {
    return new String(copy.value(), StandardCharsets.UTF_8);
  }

  @Test
  void aChangesetsSecretsLoseTheirPlaintextPrivateValuesAndOtherResourcesStay() {
    RejectedCopy copy =
        RejectedCopy.of(
            record(
                "changeset/ns",
                "{\"resources\":[{\"kind\":\"Backend\",\"spec\":{\"static\":{}}},"
                    + "{\"kind\":\"Secret\",\"data\":{\"ca.crt\":\"Y2E=\",\"token\":\"czNjcmV0\"},"
                    + "\"sealed\":{\"data\":{\"key\":\"ZW5j\"}}}],\"deletes\":[]}"));

    assertThat(copy.removed()).containsExactly("/resources/1/data/token");
    assertThat(text(copy))
        .contains("\"kind\":\"Backend\"")
        .contains("Y2E=")
        .contains("ZW5j")
        .doesNotContain("czNjcmV0");
  }

  @Test
  void aValueWithNothingToRemoveIsCopiedAsItCame() {
    String value = "{ \"kind\": \"Backend\", \"spec\": {} }";

    RejectedCopy copy = RejectedCopy.of(record("Backend/ns/a", value));

    assertThat(copy.removed()).isEmpty();
    assertThat(text(copy)).isEqualTo(value);
  }

  @Test
  void anUnreadableValueNamingASecretIsDroppedWhole() {
    RejectedCopy secret = RejectedCopy.of(record("Secret/ns/s", "{\"data\": {\"tls.key\": \"abc"));
    RejectedCopy other = RejectedCopy.of(record("Backend/ns/b", "{not json"));

    assertThat(secret.value()).isEmpty();
    assertThat(secret.removed()).containsExactly("");
    assertThat(text(other)).isEqualTo("{not json");
  }
}
