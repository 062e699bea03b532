package io.meshgate.config.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealKeysTest {
  @TempDir Path dir;

  @Test
  void aPublicPemParsesBackEvenWithTextAround() {
    String pem = SealKeys.publicPem(TestKeys.CLUSTER.publicKey());

    var parsed = SealKeys.parsePublicPem("the cluster key:\n" + pem + "\n(end)\n");

    assertThat(SealKeys.keyId(parsed)).isEqualTo(TestKeys.CLUSTER.keyId());
  }

  @Test
  void rsaKeysOf1024BitsAreRefusedOnRead() throws IOException {
    // given
    KeyPair small = TestKeys.rsa1024();
    Path publicFile =
        Files.writeString(dir.resolve("seal.pub"), SealKeys.publicPem(small.getPublic()));
    Path privateFile =
        Files.writeString(dir.resolve("seal.key"), SealKeys.privatePem(small.getPrivate()));

    // when / then
    assertThatThrownBy(() -> SealKeys.readPublic(publicFile))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(publicFile + ": RSA key of 1024 bits (expected: at least 2048)");
    assertThatThrownBy(() -> SealKeys.readPrivate(privateFile))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(privateFile + ": RSA key of 1024 bits (expected: at least 2048)");
    assertThatThrownBy(() -> new Unsealer(small.getPrivate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("privateKey: RSA key of 1024 bits (expected: at least 2048)");
  }

  @Test
  void aPublicKeyWhereThePrivateKeyBelongsIsNamed() throws IOException {
    Path file =
        Files.writeString(dir.resolve("seal.key"), SealKeys.publicPem(TestKeys.OTHER.publicKey()));

    assertThatThrownBy(() -> SealKeys.readPrivate(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            file
                + ": a PEM 'PUBLIC KEY' block (expected: a PEM 'PRIVATE KEY' block, unencrypted"
                + " PKCS#8)");
  }

  @Test
  void aPkcs1PrivateKeyIsNamed() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("seal.key"),
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");

    assertThatThrownBy(() -> SealKeys.readPrivate(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            file
                + ": a PEM 'RSA PRIVATE KEY' block (expected: a PEM 'PRIVATE KEY' block,"
                + " unencrypted PKCS#8)");
  }

  @Test
  void aFileWithoutPemIsRefused() throws IOException {
    Path file = Files.write(dir.resolve("seal.pub"), TestKeys.OTHER.publicKey().getEncoded());

    assertThatThrownBy(() -> SealKeys.readPublic(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            file
                + ": no PEM block (expected: a PEM 'PUBLIC KEY' block, X.509"
                + " SubjectPublicKeyInfo)");
  }

  @Test
  void aBlockWithoutEndOrWithBadBase64IsRefused() {
    assertThatThrownBy(() -> SealKeys.parsePublicPem("-----BEGIN PUBLIC KEY-----\nAAAA\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "public key PEM: the 'PUBLIC KEY' block has no END line (expected: -----END PUBLIC"
                + " KEY-----)");
    assertThatThrownBy(
            () ->
                SealKeys.parsePublicPem(
                    "-----BEGIN PUBLIC KEY-----\nno*base64\n-----END PUBLIC KEY-----\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("public key PEM: the 'PUBLIC KEY' block is not valid base64");
  }

  @Test
  void aCorruptPrivateKeyIsRefusedWithoutEchoingIt() throws IOException {
    // given: a real key with its second half cut off
    String pem = SealKeys.privatePem(TestKeys.OTHER.privateKey());
    String body = pem.replaceAll("-----[A-Z ]+-----|\\s", "");
    String cut = body.substring(0, body.length() / 2 / 4 * 4);
    Path file =
        Files.writeString(
            dir.resolve("seal.key"),
            "-----BEGIN PRIVATE KEY-----\n" + cut + "\n-----END PRIVATE KEY-----\n");

    // when / then
    assertThatThrownBy(() -> SealKeys.readPrivate(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + ": the 'PRIVATE KEY' block is not an RSA private key (expected: RSA)")
        .message()
        .doesNotContain(cut.substring(0, 16));
  }

  @Test
  void anEcKeyIsRefused() {
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(TestKeys.ec256().getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";

    assertThatThrownBy(() -> SealKeys.parsePublicPem(pem))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "public key PEM: the 'PUBLIC KEY' block is not an RSA public key (expected: RSA)");
    assertThatThrownBy(() -> new Sealer(TestKeys.ec256().getPublic()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("publicKey: EC key (expected: RSA)");
  }

  @Test
  void theFingerprintIsTheSha256OfThePublicKeyDerAndTheKeyIdItsFirst16Hex() throws Exception {
    // given
    byte[] der = TestKeys.CLUSTER.publicKey().getEncoded();
    String expectedHex =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(der));

    // when
    String fingerprint = SealKeys.fingerprint(TestKeys.CLUSTER.publicKey());

    // then
    assertThat(fingerprint).isEqualTo("sha256:" + expectedHex);
    assertThat(SealKeys.keyId(TestKeys.CLUSTER.publicKey()))
        .isEqualTo(expectedHex.substring(0, 16));
    assertThat(SealKeys.fingerprint(TestKeys.OTHER.publicKey())).isNotEqualTo(fingerprint);
    assertThat(
            SealKeys.fingerprint(
                SealKeys.parsePublicPem(SealKeys.publicPem(TestKeys.CLUSTER.publicKey()))))
        .isEqualTo(fingerprint);
  }

  @Test
  void aTypedFingerprintIsNormalizedOrRefusedWithTheExpectedForm() {
    String fingerprint = SealKeys.fingerprint(TestKeys.CLUSTER.publicKey());

    assertThat(
            SealKeys.parseFingerprint(" " + fingerprint.toUpperCase(java.util.Locale.ROOT) + "\n"))
        .isEqualTo(fingerprint);
    assertThatThrownBy(() -> SealKeys.parseFingerprint(TestKeys.CLUSTER.keyId()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "fingerprint: '"
                + TestKeys.CLUSTER.keyId()
                + "' (expected: sha256: and 64 hex digits, as 'meshgate seal-key create' prints)");
  }
}
