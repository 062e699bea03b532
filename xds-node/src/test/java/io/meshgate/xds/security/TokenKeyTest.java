package io.meshgate.xds.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.config.seal.Sealer;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stored form of a signing key. */
class TokenKeyTest {
  private static Sealer sealer;

  @BeforeAll
  static void sealer() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    sealer = new Sealer(rsa.generateKeyPair().getPublic());
  }

  @Test
  void theJsonReadsBackAndHoldsThePublicJwkOnly() {
    // given
    SigningKey key = SigningKey.generate();
    TokenKey stored =
        new TokenKey(
            key.kid(),
            key.publicKey(),
            sealer.seal(TokenKeys.SEAL_NAMESPACE, key.kid(), Map.of("pkcs8", new byte[] {1})),
            Instant.parse("2025-03-01T12:00:00Z"),
            Optional.of(Instant.parse("2025-03-02T12:00:00Z")));

    // when
    String json = stored.toJson();
    TokenKey read = TokenKey.parse(json, "test");

    // then
    assertThat(read).isEqualTo(stored);
    assertThat(json)
        .contains("\"kid\":\"" + key.kid() + "\"")
        .contains("\"crv\":\"P-256\"")
        .contains("\"created\":\"2025-03-01T12:00:00Z\"")
        .contains("\"retiredAt\":\"2025-03-02T12:00:00Z\"")
        .doesNotContain("\"d\":");
  }

  @Test
  void aCurrentKeyHasNoRetiredAt() {
    SigningKey key = SigningKey.generate();
    TokenKey stored =
        new TokenKey(
            key.kid(),
            key.publicKey(),
            sealer.seal(TokenKeys.SEAL_NAMESPACE, key.kid(), Map.of("pkcs8", new byte[] {1})),
            Instant.parse("2025-03-01T12:00:00Z"),
            Optional.empty());

    assertThat(stored.toJson()).doesNotContain("retiredAt");
    assertThat(TokenKey.parse(stored.toJson(), "test").isRetired()).isFalse();
  }

  @Test
  void aPrivateJwkIsRefusedWithoutQuotingIt() {
    String json =
        """
        {"kid":"0123456789abcdef","publicJwk":{"kty":"EC","crv":"P-256","x":"x","y":"y",
         "d":"c2VjcmV0LXByaXZhdGUta2V5"},"sealedPrivate":{},"created":"2025-03-01T12:00:00Z"}
        """;

    assertThatThrownBy(() -> TokenKey.parse(json, "/meshgate/v1/tokens/keys/0123456789abcdef"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds a private key")
        .message()
        .doesNotContain("c2VjcmV0LXByaXZhdGUta2V5");
  }
}
