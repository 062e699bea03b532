package io.meshgate.config.seal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.config.model.SealedData;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class UnsealerTest {
  private static final String SECRET_KEY = "sk_live_plaintext_0123456789";

  private final Sealer sealer = new Sealer(TestKeys.CLUSTER.publicKey());
  private final Unsealer unsealer = new Unsealer(TestKeys.CLUSTER.privateKey());

  private SealedData sealEdgeCert() {
    return sealer.seal(
        "default",
        "edge-cert",
        Map.of(
            "tls.key", SECRET_KEY.getBytes(UTF_8),
            "tls.crt", "-----BEGIN CERTIFICATE-----".getBytes(UTF_8)));
  }

  private static SealedData withData(SealedData sealed, Map<String, String> data) {
    return new SealedData(sealed.algorithm(), sealed.keyId(), sealed.wrappedKey(), data);
  }

  @Test
  void keyIdIsThatOfThePublicHalf() {
    assertThat(unsealer.keyId()).isEqualTo(sealer.keyId()).isEqualTo(TestKeys.CLUSTER.keyId());
    assertThat(unsealer).hasToString("Unsealer[keyId=" + TestKeys.CLUSTER.keyId() + "]");
  }

  @Test
  void aValueMovedToAnotherSecretNameFails() {
    SealedData sealed = sealEdgeCert();

    assertThatThrownBy(() -> unsealer.unseal("default", "other-cert", sealed))
        .isInstanceOf(SealException.class)
        .hasMessage(
            "sealed value 'tls.crt' of default/other-cert cannot be opened: it was altered, or"
                + " sealed for another Secret or key");
  }

  @Test
  void aValueMovedToAnotherNamespaceFails() {
    SealedData sealed = sealEdgeCert();

    assertThatThrownBy(() -> unsealer.unseal("payments", "edge-cert", sealed))
        .isInstanceOf(SealException.class)
        .hasMessageStartingWith("sealed value 'tls.crt' of payments/edge-cert cannot be opened");
  }

  @Test
  void aValueMovedToAnotherKeyFails() {
    // given: the sealed tls.key published under a key the proxy might expose
    SealedData sealed = sealEdgeCert();
    Map<String, String> data = new TreeMap<>(sealed.data());
    data.put("tls.crt", sealed.data().get("tls.key"));

    // when / then
    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", withData(sealed, data)))
        .isInstanceOf(SealException.class)
        .hasMessage(
            "sealed value 'tls.crt' of default/edge-cert cannot be opened: it was altered, or"
                + " sealed for another Secret or key");
  }

  @Test
  void aValueFromAnotherSealOfTheSameSecretFails() {
    // Each seal has its own data key: values cannot be mixed across seals.
    SealedData first = sealEdgeCert();
    SealedData second = sealEdgeCert();
    Map<String, String> data = new TreeMap<>(first.data());
    data.put("tls.key", second.data().get("tls.key"));

    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", withData(first, data)))
        .isInstanceOf(SealException.class)
        .hasMessageStartingWith("sealed value 'tls.key' of default/edge-cert cannot be opened");
  }

  @Test
  void aTamperedCiphertextFails() {
    // given: one bit flipped in the ciphertext, after the nonce
    SealedData sealed = sealEdgeCert();
    byte[] bytes = Base64.getDecoder().decode(sealed.data().get("tls.key"));
    bytes[12 + 3] ^= 0x01;
    Map<String, String> data = new TreeMap<>(sealed.data());
    data.put("tls.key", Base64.getEncoder().encodeToString(bytes));

    // when / then
    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", withData(sealed, data)))
        .isInstanceOf(SealException.class)
        .hasMessageStartingWith("sealed value 'tls.key' of default/edge-cert cannot be opened")
        .message()
        .doesNotContain(SECRET_KEY);
  }

  @Test
  void aTamperedNonceFails() {
    SealedData sealed = sealEdgeCert();
    byte[] bytes = Base64.getDecoder().decode(sealed.data().get("tls.key"));
    bytes[0] ^= 0x01;
    Map<String, String> data = new TreeMap<>(sealed.data());
    data.put("tls.key", Base64.getEncoder().encodeToString(bytes));

    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", withData(sealed, data)))
        .isInstanceOf(SealException.class)
        .hasMessageStartingWith("sealed value 'tls.key' of default/edge-cert cannot be opened");
  }

  @Test
  void aTamperedWrappedKeyFails() {
    // given
    SealedData sealed = sealEdgeCert();
    byte[] wrapped = Base64.getDecoder().decode(sealed.wrappedKey());
    wrapped[wrapped.length / 2] ^= 0x01;
    SealedData tampered =
        new SealedData(
            sealed.algorithm(),
            sealed.keyId(),
            Base64.getEncoder().encodeToString(wrapped),
            sealed.data());

    // when / then
    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", tampered))
        .isInstanceOf(SealException.class)
        .hasMessage(
            "wrapped key of default/edge-cert cannot be opened: it was altered, or sealed for"
                + " another key");
  }

  @Test
  void aWrappedKeyFromAnotherSealFailsOnItsValues() {
    SealedData first = sealEdgeCert();
    SealedData second = sealEdgeCert();
    SealedData mixed =
        new SealedData(first.algorithm(), first.keyId(), second.wrappedKey(), first.data());

    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", mixed))
        .isInstanceOf(SealException.class)
        .hasMessageContaining("cannot be opened");
  }

  @Test
  void anotherKeyPairFailsNamingBothKeyIds() {
    // given: sealed for another cluster
    SealedData sealed =
        new Sealer(TestKeys.OTHER.publicKey())
            .seal("default", "edge-cert", Map.of("tls.key", SECRET_KEY.getBytes(UTF_8)));

    // when / then
    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", sealed))
        .isInstanceOf(SealException.class)
        .hasMessage(
            "default/edge-cert: sealed for key "
                + TestKeys.OTHER.keyId()
                + ", this replica holds key "
                + TestKeys.CLUSTER.keyId()
                + ": seal it again with this cluster's public key (meshgate seal)");
  }

  @Test
  void aForgedKeyIdStillFailsOnTheWrappedKey() {
    SealedData sealed =
        new Sealer(TestKeys.OTHER.publicKey())
            .seal("default", "edge-cert", Map.of("tls.key", SECRET_KEY.getBytes(UTF_8)));
    SealedData relabelled =
        new SealedData(
            sealed.algorithm(), TestKeys.CLUSTER.keyId(), sealed.wrappedKey(), sealed.data());

    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", relabelled))
        .isInstanceOf(SealException.class)
        .hasMessageStartingWith("wrapped key of default/edge-cert cannot be opened");
  }

  @Test
  void anUnknownAlgorithmFails() {
    SealedData sealed = sealEdgeCert();
    SealedData other =
        new SealedData("RSA-OAEP+A128CBC-HS256", sealed.keyId(), sealed.wrappedKey(), Map.of());

    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", other))
        .isInstanceOf(SealException.class)
        .hasMessage(
            "default/edge-cert: algorithm 'RSA-OAEP+A128CBC-HS256' (expected:"
                + " RSA-OAEP-256+A256GCM)");
  }

  @Test
  void badBase64Fails() {
    SealedData sealed = sealEdgeCert();
    Map<String, String> data = new TreeMap<>(sealed.data());
    data.put("tls.key", "not base64!");
    SealedData badValue = withData(sealed, data);
    SealedData badKey = new SealedData(sealed.algorithm(), sealed.keyId(), "%%%", sealed.data());

    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", badValue))
        .isInstanceOf(SealException.class)
        .hasMessage(
            "sealed value 'tls.key' of default/edge-cert is not valid base64 (expected: standard"
                + " base64)");
    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", badKey))
        .isInstanceOf(SealException.class)
        .hasMessage(
            "wrapped key of default/edge-cert is not valid base64 (expected: standard base64)");
  }

  @Test
  void aTruncatedValueFails() {
    SealedData sealed = sealEdgeCert();
    Map<String, String> data = new TreeMap<>(sealed.data());
    data.put("tls.key", Base64.getEncoder().encodeToString(new byte[20]));

    assertThatThrownBy(() -> unsealer.unseal("default", "edge-cert", withData(sealed, data)))
        .isInstanceOf(SealException.class)
        .hasMessage(
            "sealed value 'tls.key' of default/edge-cert is 20 bytes (expected: at least 28: a"
                + " 12-byte nonce and a 16-byte tag)");
  }

  @Test
  void theResultIsSortedAndUnmodifiable() {
    Map<String, byte[]> opened = unsealer.unseal("default", "edge-cert", sealEdgeCert());

    assertThat(opened.keySet()).containsExactly("tls.crt", "tls.key");
    assertThatThrownBy(() -> opened.put("x", new byte[0]))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
