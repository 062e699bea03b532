package io.meshgate.xds.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.xds.ir.CertificateIr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateKeysTest {
  private static final Path KEYS = Path.of("src/test/resources/test-keys");

  @TempDir Path dir;

  @Test
  void aCertificateFileGivesItsChainAndKeyAndAFingerprintThatFollowsItsContent() throws Exception {
    String chain = Files.readString(KEYS.resolve("edge.example.com.crt"));
    String key = Files.readString(KEYS.resolve("edge.example.com.key"));
    Path file = dir.resolve("edge.pem");
    Files.writeString(file, chain + key);
    PrivateKeys keys =
        PrivateKeys.withoutSealKey().readingFilesFrom(CertificateDirs.shared(List.of(dir)));

    String fingerprint = keys.fingerprint("default", file.toString());
    PrivateKeys.KeyPairPem pair =
        keys.open(
            new CertificateIr.FromFile("file:" + file, "default", file.toString(), fingerprint));

    assertThat(pair.chainPem()).isEqualTo(chain);
    assertThat(pair.keyPem()).isEqualTo(key);
    assertThat(pair.toString()).doesNotContain(key.lines().skip(1).findFirst().orElseThrow());
    Files.writeString(file, Files.readString(KEYS.resolve("edge.example.com.rotated.crt")) + key);
    assertThat(keys.fingerprint("default", file.toString())).isNotEqualTo(fingerprint);
  }

  @Test
  void aFileWithoutAKeyOrASealedKeyWithoutASealKeyIsUnavailableWithAReason() throws Exception {
    Path file = dir.resolve("chain-only.pem");
    Files.writeString(file, Files.readString(KEYS.resolve("edge.example.com.crt")));
    PrivateKeys keys =
        PrivateKeys.withoutSealKey().readingFilesFrom(CertificateDirs.shared(List.of(dir)));

    assertThatThrownBy(() -> keys.fingerprint("default", file.toString()))
        .isInstanceOf(PrivateKeys.KeyUnavailable.class)
        .hasMessageContaining("must hold a PEM certificate chain and one PEM private key")
        .extracting(e -> ((PrivateKeys.KeyUnavailable) e).reason())
        .isEqualTo("InvalidCertificateRef");
    assertThatThrownBy(() -> keys.fingerprint("default", dir.resolve("absent.pem").toString()))
        .hasMessageContaining("--cert-dirs");
    assertThatThrownBy(
            () ->
                keys.open(
                    new CertificateIr.FromSecret(
                        "secret/default/x",
                        "default",
                        "x",
                        "chain",
                        new io.meshgate.config.model.SealedData(
                            "RSA-OAEP-256+A256GCM", "0123456789abcdef", "AAAA", null))))
        .hasMessageContaining("no seal key (MESHGATE_SEAL_KEY)");
  }
}
