package io.meshgate.edge.signature;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NonceKeysTest {
  @Test
  void aNonceKeyHoldsNeitherTheNonceNorTheKeyidInClear() {
    String key = RedisNonces.key("shop/signed", "client-1", "n-0001");

    assertThat(key).startsWith("meshgate:hmac:nonce:").hasSize(20 + 64);
    assertThat(key).doesNotContain("client-1").doesNotContain("n-0001").doesNotContain("shop");
  }

  @Test
  void noTwoTriplesShareAKeyByMovingTheSeparator() {
    assertThat(RedisNonces.key("a", "bc", "d")).isNotEqualTo(RedisNonces.key("ab", "c", "d"));
    assertThat(RedisNonces.key("p", "k", "n")).isNotEqualTo(RedisNonces.key("q", "k", "n"));
    assertThat(RedisNonces.key("p", "k", "n")).isEqualTo(RedisNonces.key("p", "k", "n"));
  }
}
