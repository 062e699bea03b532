package io.meshgate.config.seal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.config.model.SealedData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SealerTest {
  private static final String TLS_KEY =
      """
      -----BEGIN PRIVATE KEY-----
      MC4CAQAwBQYDK2VwBCIEIPlaintextThatMustNeverShowUpInSealedOutput00
      -----END PRIVATE KEY-----
      """;
  private static final byte[] BINARY = {0, 1, 2, (byte) 0xfe, (byte) 0xff, 0, 42, 7, 7, 7, 7, 7};

  private final Sealer sealer = new Sealer(TestKeys.CLUSTER.publicKey());
  private final Unsealer unsealer = new Unsealer(TestKeys.CLUSTER.privateKey());

  private static Map<String, byte[]> values() {
    Map<String, byte[]> values = new LinkedHashMap<>();
    values.put("tls.key", TLS_KEY.getBytes(UTF_8));
    values.put("ca.der", BINARY);
    values.put("empty", new byte[0]);
    values.put("password", "hunter2-correct-horse-battery-staple".getBytes(UTF_8));
    return values;
  }

  @Test
  void roundTripOfTextBinaryAndEmptyValues() {
    // given
    Map<String, byte[]> values = values();

    // when
    SealedData sealed = sealer.seal("default", "edge-cert", values);
    Map<String, byte[]> opened = unsealer.unseal("default", "edge-cert", sealed);

    // then
    assertThat(opened).containsOnlyKeys(values.keySet());
    values.forEach((key, value) -> assertThat(opened.get(key)).as(key).isEqualTo(value));
    assertThat(opened.get("empty")).isEmpty();
  }

  @Test
  void outputNamesAlgorithmAndKeyAndIsSortedByKey() {
    SealedData sealed = sealer.seal("default", "edge-cert", values());

    assertThat(sealed.algorithm()).isEqualTo("RSA-OAEP-256+A256GCM");
    assertThat(sealed.keyId()).isEqualTo(TestKeys.CLUSTER.keyId()).matches("[0-9a-f]{16}");
    assertThat(sealed.data().keySet()).containsExactly("ca.der", "empty", "password", "tls.key");
  }

  @Test
  void everyValueCarriesNonceCiphertextAndTag() {
    SealedData sealed = sealer.seal("default", "edge-cert", values());

    assertThat(Base64.getDecoder().decode(sealed.data().get("empty"))).hasSize(12 + 16);
    assertThat(Base64.getDecoder().decode(sealed.data().get("ca.der")))
        .hasSize(12 + BINARY.length + 16);
  }

  @Test
  void sealedOutputContainsNeitherPlaintextNorItsBase64() {
    // given
    Map<String, byte[]> values = values();

    // when
    SealedData sealed = sealer.seal("default", "edge-cert", values);

    // then
    List<String> output = new ArrayList<>(sealed.data().values());
    output.add(sealed.algorithm());
    output.add(sealed.keyId());
    output.add(sealed.wrappedKey());
    output.add(sealed.toString());
    List<String> forbidden =
        List.of(
            TLS_KEY,
            "PlaintextThatMustNeverShowUpInSealedOutput",
            "hunter2",
            Base64.getEncoder().encodeToString(TLS_KEY.getBytes(UTF_8)),
            Base64.getEncoder().encodeToString("hunter2-correct-horse".getBytes(UTF_8)),
            Base64.getEncoder().encodeToString(BINARY));
    for (String text : output) {
      for (String plaintext : forbidden) {
        assertThat(text).doesNotContain(plaintext);
      }
    }
  }

  @Test
  void twoSealsOfTheSameValuesDiffer() {
    SealedData first = sealer.seal("default", "edge-cert", values());
    SealedData second = sealer.seal("default", "edge-cert", values());

    assertThat(second.wrappedKey()).isNotEqualTo(first.wrappedKey());
    first.data().forEach((key, value) -> assertThat(second.data().get(key)).isNotEqualTo(value));
    // Same key, fresh nonce: the nonces themselves differ too.
    assertThat(nonce(second.data().get("empty"))).isNotEqualTo(nonce(first.data().get("empty")));
  }

  @Test
  void noValuesSealToNoData() {
    SealedData sealed = sealer.seal("default", "nothing", Map.of());

    assertThat(sealed.data()).isEmpty();
    assertThat(unsealer.unseal("default", "nothing", sealed)).isEmpty();
  }

  @Test
  void aKeyOf1024BitsIsRefused() {
    assertThatThrownBy(() -> new Sealer(TestKeys.rsa1024().getPublic()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("publicKey: RSA key of 1024 bits (expected: at least 2048)");
  }

  @Test
  void aNameWithASlashIsRefusedBecauseTheBindingWouldBeAmbiguous() {
    assertThatThrownBy(() -> sealer.seal("default/edge", "cert", values()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("namespace: 'default/edge' (expected: not empty, without '/')");
    assertThatThrownBy(() -> sealer.seal("default", "", values()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name: '' (expected: not empty, without '/')");
  }

  @Test
  void toStringShowsTheKeyIdOnly() {
    assertThat(sealer).hasToString("Sealer[keyId=" + TestKeys.CLUSTER.keyId() + "]");
  }

  private static byte[] nonce(String sealedValue) {
    byte[] bytes = Base64.getDecoder().decode(sealedValue);
    return Arrays.copyOf(bytes, 12);
  }
}
