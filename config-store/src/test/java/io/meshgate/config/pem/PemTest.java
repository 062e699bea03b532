package io.meshgate.config.pem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.testkit.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
  private static final KeyPair EC = generate("EC");
  private static final KeyPair RSA = generate("RSA");

  @TempDir Path dir;

  @Test
  void aCertificateChainRoundTripsInOrder() throws Exception {
    // given a chain written by another PEM writer (BouncyCastle's, in TestPki)
    TestPki pki = TestPki.create(dir);
    TestPki.Issued leaf = pki.server("edge", "edge.example.com");
    List<X509Certificate> chain =
        List.of(
            Pem.certificates(Files.readString(leaf.certificate()), "edge.crt").get(0),
            Pem.certificates(Files.readString(pki.caCertificate()), "ca.crt").get(0));

    // when
    String text = Pem.certificates(chain);

    // then
    assertThat(text)
        .startsWith("-----BEGIN CERTIFICATE-----\n")
        .endsWith("-----END CERTIFICATE-----\n");
    assertThat(text.lines()).allMatch(line -> line.length() <= 64);
    assertThat(Pem.certificates("the chain:\n" + text + "(end)\n", "chain")).isEqualTo(chain);
    assertThat(Pem.blocks(text, "chain"))
        .extracting(Pem.Block::label)
        .containsExactly(Pem.CERTIFICATE, Pem.CERTIFICATE);
  }

  @Test
  void pkcs8EcAndRsaKeysRoundTrip() {
    for (KeyPair pair : List.of(EC, RSA)) {
      String text = Pem.privateKey(pair.getPrivate());

      assertThat(text).startsWith("-----BEGIN PRIVATE KEY-----\n");
      assertThat(Pem.privateKey(text, "key")).isEqualTo(pair.getPrivate());
    }
  }

  @Test
  void aKeyWrittenByAnotherWriterIsRead() throws Exception {
    TestPki.Issued issued = TestPki.create(dir).client("proxy");

    PrivateKey key = Pem.privateKey(Files.readString(issued.privateKey()), "proxy.key");

    assertThat(key.getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void anEcPublicKeyRoundTrips() {
    String text = Pem.publicKey(EC.getPublic());

    PublicKey parsed = Pem.publicKey("the key:\n" + text, "EC", "pub");

    assertThat(text).startsWith("-----BEGIN PUBLIC KEY-----\n");
    assertThat(parsed).isEqualTo(EC.getPublic());
  }

  @Test
  void traditionalEcAndRsaPrivateKeysAreRead() throws Exception {
    // given SEC 1 and PKCS#1 bodies, as 'openssl ecparam -genkey' and older openssl write them
    String ec = Pem.encode("EC PRIVATE KEY", sec1(EC));
    String rsa =
        Pem.encode(
            "RSA PRIVATE KEY",
            PrivateKeyInfo.getInstance(RSA.getPrivate().getEncoded())
                .parsePrivateKey()
                .toASN1Primitive()
                .getEncoded());

    // when
    PrivateKey ecKey = Pem.privateKey(ec, "ec.key");
    PrivateKey rsaKey = Pem.privateKey(rsa, "rsa.key");

    // then
    assertThat(((ECPrivateKey) ecKey).getS()).isEqualTo(((ECPrivateKey) EC.getPrivate()).getS());
    assertThat(((RSAPrivateKey) rsaKey).getPrivateExponent())
        .isEqualTo(((RSAPrivateKey) RSA.getPrivate()).getPrivateExponent());
  }

  @Test
  void encryptedKeysAreRefused() {
    String pkcs8 = Pem.encode("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3});
    String traditional =
        """
        -----BEGIN RSA PRIVATE KEY-----
        Proc-Type: 4,ENCRYPTED
        DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF

        AAAA
        -----END RSA PRIVATE KEY-----
        """;

    assertThatThrownBy(() -> Pem.privateKey(pkcs8, "a.key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("a.key: an encrypted private key (expected: an unencrypted key");
    assertThatThrownBy(() -> Pem.privateKey(traditional, "b.key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("b.key: an encrypted private key (expected: an unencrypted key");
  }

  @Test
  void twoKeysAreRefused() {
    String two = Pem.privateKey(EC.getPrivate()) + Pem.privateKey(RSA.getPrivate());

    assertThatThrownBy(() -> Pem.privateKey(two, "both.key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("both.key: 2 private keys (expected: exactly one)");
  }

  @Test
  void noBlockWrongBlockAndBadBase64NameTheSourceAndTheExpectation() {
    String key = Pem.privateKey(EC.getPrivate());
    String keyBody = body(key);

    assertThatThrownBy(() -> Pem.privateKey("just text", "tls.key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls.key: no PEM block (expected: PEM BEGIN PRIVATE KEY)");
    assertThatThrownBy(() -> Pem.certificates(key, "tls.crt"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls.crt: a PEM 'PRIVATE KEY' block (expected: PEM BEGIN CERTIFICATE blocks)")
        .message()
        .doesNotContain(keyBody.substring(0, 16));
    assertThatThrownBy(() -> Pem.publicKey(key, "EC", "seal.pub"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "seal.pub: a PEM 'PRIVATE KEY' block (expected: a PEM 'PUBLIC KEY' block, X.509"
                + " SubjectPublicKeyInfo)");
    String damaged = key.replace(keyBody.substring(10, 20), keyBody.substring(10, 19) + "*");
    assertThatThrownBy(() -> Pem.privateKey(damaged, "tls.key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tls.key: the 'PRIVATE KEY' block is not valid base64 (expected: base64 between the"
                + " BEGIN and END lines)")
        .hasNoCause();
    assertThatThrownBy(() -> Pem.blocks("-----BEGIN PRIVATE KEY-----\n" + keyBody, "tls.key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tls.key: the 'PRIVATE KEY' block has no END line (expected: -----END PRIVATE"
                + " KEY-----)");
  }

  @Test
  void aKeyThatDoesNotParseIsRefusedWithoutItsBytes() {
    String body = body(Pem.privateKey(EC.getPrivate()));
    String cut = body.substring(0, body.length() / 2 / 4 * 4);

    assertThatThrownBy(() -> Pem.privateKey(Pem.encode("PRIVATE KEY", decode(cut)), "tls.key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls.key: the 'PRIVATE KEY' block is not an EC, RSA or Ed25519 PKCS#8 key")
        .message()
        .doesNotContain(cut.substring(0, 16));
    assertThat(Pem.blocks(Pem.privateKey(EC.getPrivate()), "tls.key").get(0).toString())
        .matches("Block\\[PRIVATE KEY, \\d+ bytes]");
  }

  /** SEC 1 ECPrivateKey with the curve and the public point, as openssl writes it. */
  private static byte[] sec1(KeyPair pair) throws Exception {
    SubjectPublicKeyInfo publicKey =
        SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
    return new org.bouncycastle.asn1.sec.ECPrivateKey(
            256,
            ((ECPrivateKey) pair.getPrivate()).getS(),
            publicKey.getPublicKeyData(),
            publicKey.getAlgorithm().getParameters())
        .getEncoded();
  }

  private static String body(String pem) {
    return pem.replaceAll("-----[A-Z ]+-----|\\s", "");
  }

  private static byte[] decode(String base64) {
    return Base64.getDecoder().decode(base64);
  }

  private static KeyPair generate(String algorithm) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      if (algorithm.equals("EC")) {
        generator.initialize(new ECGenParameterSpec("secp256r1"));
      } else {
        generator.initialize(2048);
      }
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
