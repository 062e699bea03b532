package io.meshgate.config.seal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealKeyPairTest {
  private final SealKeyPair cluster = TestKeys.CLUSTER;

  @TempDir Path dir;

  @Test
  void generatedPairsAre4096BitRsa() {
    assertThat(((RSAPublicKey) cluster.publicKey()).getModulus().bitLength()).isEqualTo(4096);
  }

  @Test
  void filesReadBackToTheSameKeyId() throws IOException {
    // when
    cluster.writeTo(dir);

    // then
    var publicKey = SealKeys.readPublic(dir.resolve("seal.pub"));
    var privateKey = SealKeys.readPrivate(dir.resolve("seal.key"));
    assertThat(SealKeys.keyId(publicKey)).isEqualTo(cluster.keyId());
    assertThat(SealKeys.keyId(SealKeys.publicKeyOf(privateKey))).isEqualTo(cluster.keyId());
    assertThat(new Unsealer(privateKey).keyId()).isEqualTo(cluster.keyId());
    assertThat(privateKey.getEncoded()).isEqualTo(cluster.privateKey().getEncoded());
  }

  @Test
  void filesArePemWith64CharacterLines() throws IOException {
    cluster.writeTo(dir);

    String publicPem = Files.readString(dir.resolve("seal.pub"), US_ASCII);
    String privatePem = Files.readString(dir.resolve("seal.key"), US_ASCII);
    assertThat(publicPem)
        .startsWith("-----BEGIN PUBLIC KEY-----\n")
        .endsWith("\n-----END PUBLIC KEY-----\n")
        .isEqualTo(SealKeys.publicPem(cluster.publicKey()));
    assertThat(privatePem)
        .startsWith("-----BEGIN PRIVATE KEY-----\n")
        .endsWith("\n-----END PRIVATE KEY-----\n");
    for (String pem : new String[] {publicPem, privatePem}) {
      String[] lines = pem.split("\n");
      for (int i = 1; i < lines.length - 2; i++) {
        assertThat(lines[i]).hasSize(64);
      }
      assertThat(lines[lines.length - 2]).hasSizeBetween(1, 64);
    }
    String body = publicPem.replaceAll("-----[A-Z ]+-----|\\s", "");
    assertThat(Base64.getDecoder().decode(body)).isEqualTo(cluster.publicKey().getEncoded());
  }

  @Test
  void thePrivateFileIsReadableByItsOwnerOnly() throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));

    cluster.writeTo(dir);

    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("seal.key"))))
        .isEqualTo("rw-------");
  }

  @Test
  void aMissingDirectoryIsCreated() throws IOException {
    cluster.writeTo(dir.resolve("keys"));

    assertThat(dir.resolve("keys/seal.pub")).isRegularFile();
    assertThat(dir.resolve("keys/seal.key")).isRegularFile();
  }

  @Test
  void anExistingPrivateFileIsNotOverwritten() throws IOException {
    // given
    Files.writeString(dir.resolve("seal.key"), "the old key");

    // when / then
    assertThatThrownBy(() -> cluster.writeTo(dir))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining(dir.resolve("seal.key").toString())
        .hasMessageContaining("refusing to overwrite an existing key file");
    assertThat(dir.resolve("seal.key")).hasContent("the old key");
    assertThat(dir.resolve("seal.pub")).doesNotExist();
  }

  @Test
  void anExistingPublicFileIsNotOverwritten() throws IOException {
    Files.writeString(dir.resolve("seal.pub"), "the old public key");

    assertThatThrownBy(() -> cluster.writeTo(dir))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining(dir.resolve("seal.pub").toString());
    assertThat(dir.resolve("seal.pub")).hasContent("the old public key");
    assertThat(dir.resolve("seal.key")).doesNotExist();
  }

  @Test
  void writingTwiceIsRefused() throws IOException {
    cluster.writeTo(dir);
    String before = Files.readString(dir.resolve("seal.key"));

    assertThatThrownBy(() -> TestKeys.OTHER.writeTo(dir))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readString(dir.resolve("seal.key"))).isEqualTo(before);
  }

  @Test
  void halvesOfDifferentPairsAreRefused() {
    assertThatThrownBy(() -> new SealKeyPair(TestKeys.OTHER.publicKey(), cluster.privateKey()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "publicKey: key "
                + TestKeys.OTHER.keyId()
                + " (expected: the public half of privateKey, key "
                + cluster.keyId()
                + ")");
  }

  @Test
  void smallKeysAreNeitherGeneratedNorAccepted() {
    assertThatThrownBy(() -> SealKeyPair.generate(1024))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bits: 1024 (expected: at least 2048)");
    var small = TestKeys.rsa1024();
    assertThatThrownBy(() -> new SealKeyPair(small.getPublic(), small.getPrivate()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("publicKey: RSA key of 1024 bits (expected: at least 2048)");
  }

  @Test
  void toStringShowsNoKeyMaterial() {
    String text = cluster.toString();

    assertThat(text).isEqualTo("SealKeyPair[keyId=" + cluster.keyId() + ", bits=4096]");
  }
}
