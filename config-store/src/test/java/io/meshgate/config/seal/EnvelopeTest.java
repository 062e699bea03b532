package io.meshgate.config.seal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.config.model.SealedData;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The envelope as documented for producers in other languages, re-implemented here with plain JDK
 * calls and nothing from the package under test: if these pass, the description is exact.
 */
class EnvelopeTest {
  private static final OAEPParameterSpec RSA_OAEP_256 =
      new OAEPParameterSpec(
          "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);

  private final SealKeyPair cluster = TestKeys.CLUSTER;

  @Test
  void anIndependentDecoderOpensSealedValues() throws GeneralSecurityException {
    // given
    byte[] binary = {0, (byte) 0x80, (byte) 0xff, 10, 13};
    SealedData sealed =
        new Sealer(cluster.publicKey())
            .seal(
                "default",
                "edge-cert",
                Map.of("tls.key", "secret".getBytes(UTF_8), "raw", binary, "none", new byte[0]));

    // when
    byte[] dataKey = unwrap(sealed.wrappedKey(), RSA_OAEP_256);

    // then
    assertThat(sealed.algorithm()).isEqualTo("RSA-OAEP-256+A256GCM");
    assertThat(dataKey).hasSize(32);
    assertThat(open(dataKey, "default/edge-cert/tls.key", sealed.data().get("tls.key")))
        .isEqualTo("secret".getBytes(UTF_8));
    assertThat(open(dataKey, "default/edge-cert/raw", sealed.data().get("raw"))).isEqualTo(binary);
    assertThat(open(dataKey, "default/edge-cert/none", sealed.data().get("none"))).isEmpty();
  }

  @Test
  void theWrappedKeyUsesMgf1WithSha256NotTheJdkDefaultSha1() {
    SealedData sealed =
        new Sealer(cluster.publicKey()).seal("default", "edge-cert", Map.of("k", new byte[1]));
    OAEPParameterSpec jdkDefault =
        new OAEPParameterSpec(
            "SHA-256", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT);

    assertThatThrownBy(() -> unwrap(sealed.wrappedKey(), jdkDefault))
        .isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void keyIdIsTheFirst16HexDigitsOfSha256OfSubjectPublicKeyInfo() throws Exception {
    byte[] spki = cluster.publicKey().getEncoded();
    String expected =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(spki))
            .substring(0, 16);

    assertThat(cluster.publicKey().getFormat()).isEqualTo("X.509");
    assertThat(SealKeys.keyId(cluster.publicKey())).isEqualTo(expected);
    assertThat(new Sealer(cluster.publicKey()).seal("a", "b", Map.of()).keyId())
        .isEqualTo(expected);
  }

  @Test
  void theUnsealerOpensWhatAnIndependentEncoderSealed() throws GeneralSecurityException {
    // given: a producer following the description, with JDK calls only
    SecureRandom random = new SecureRandom();
    byte[] dataKey = new byte[32];
    random.nextBytes(dataKey);
    Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
    rsa.init(Cipher.ENCRYPT_MODE, cluster.publicKey(), RSA_OAEP_256);
    String wrappedKey = Base64.getEncoder().encodeToString(rsa.doFinal(dataKey));
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
    aes.init(
        Cipher.ENCRYPT_MODE, new SecretKeySpec(dataKey, "AES"), new GCMParameterSpec(128, nonce));
    aes.updateAAD("payments/api-token/token".getBytes(UTF_8));
    byte[] ciphertext = aes.doFinal("t0ken".getBytes(UTF_8));
    byte[] value = new byte[nonce.length + ciphertext.length];
    System.arraycopy(nonce, 0, value, 0, nonce.length);
    System.arraycopy(ciphertext, 0, value, nonce.length, ciphertext.length);
    String keyId =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256").digest(cluster.publicKey().getEncoded()))
            .substring(0, 16);
    SealedData sealed =
        new SealedData(
            "RSA-OAEP-256+A256GCM",
            keyId,
            wrappedKey,
            Map.of("token", Base64.getEncoder().encodeToString(value)));

    // when
    Map<String, byte[]> opened =
        new Unsealer(cluster.privateKey()).unseal("payments", "api-token", sealed);

    // then
    assertThat(opened).containsOnlyKeys("token");
    assertThat(opened.get("token")).isEqualTo("t0ken".getBytes(UTF_8));
  }

  private byte[] unwrap(String wrappedKey, OAEPParameterSpec oaep) throws GeneralSecurityException {
    Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
    rsa.init(Cipher.DECRYPT_MODE, cluster.privateKey(), oaep);
    return rsa.doFinal(Base64.getDecoder().decode(wrappedKey));
  }

  private static byte[] open(byte[] dataKey, String aad, String sealedValue)
      throws GeneralSecurityException {
    byte[] bytes = Base64.getDecoder().decode(sealedValue);
    Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
    aes.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(dataKey, "AES"),
        new GCMParameterSpec(128, Arrays.copyOf(bytes, 12)));
    aes.updateAAD(aad.getBytes(UTF_8));
    return aes.doFinal(bytes, 12, bytes.length - 12);
  }
}
