package io.meshgate.xds.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.model.SealedData;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.xds.translate.Cases;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyLoaderTest {
  private static final Path KEYS = Path.of(Cases.TEST_KEYS);

  @TempDir Path dir;

  private static KeyMaterial only(KeyLoader loader, KeyRef ref) {
    return loader.ringFor(Set.of(ref)).get(ref);
  }

  @Test
  void aCertificateFileGivesItsChainAndKeyAndAFingerprintThatFollowsItsContent() throws Exception {
    String chain = Files.readString(KEYS.resolve("edge.example.com.crt"));
    String key = Files.readString(KEYS.resolve("edge.example.com.key"));
    Path file = Files.writeString(dir.resolve("edge.pem"), chain + key);
    KeyRef ref = new KeyRef.File("default", file.toString());
    KeyLoader loader = KeyLoader.of(null, CertificateDirs.shared(List.of(dir)));

    KeyMaterial.Opened first = (KeyMaterial.Opened) only(loader, ref);

    assertThat(first.chainPem()).isEqualTo(chain);
    assertThat(first.keyPem()).isEqualTo(key);
    String keyLine = key.lines().skip(1).findFirst().orElseThrow();
    assertThat(first.toString()).doesNotContain(keyLine);
    assertThat(loader.ringFor(Set.of(ref)).toString())
        .isEqualTo("KeyRing[1 opened, 0 unavailable]");

    // when the file is rewritten: the check notices, and the next ring reads it again
    Files.writeString(file, Files.readString(KEYS.resolve("edge.example.com.rotated.crt")) + key);
    assertThat(loader.checkFiles()).isTrue();
    KeyMaterial.Opened second = (KeyMaterial.Opened) only(loader, ref);
    assertThat(second.fingerprint()).isNotEqualTo(first.fingerprint());
    assertThat(loader.checkFiles()).as("nothing changed since").isFalse();
  }

  @Test
  void aWatchedFileThatChangesRunsTheListener() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("edge.pem"),
            Files.readString(KEYS.resolve("edge.example.com.crt"))
                + Files.readString(KEYS.resolve("edge.example.com.key")));
    KeyRef ref = new KeyRef.File("default", file.toString());
    AtomicInteger changes = new AtomicInteger();
    try (KeyLoader loader = KeyLoader.of(null, CertificateDirs.shared(List.of(dir)))) {
      loader.watchFiles(Duration.ofMillis(20), changes::incrementAndGet);
      only(loader, ref);

      // when
      Files.writeString(file, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

      // then
      await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 1);
      assertThat(only(loader, ref))
          .isInstanceOfSatisfying(
              KeyMaterial.Unavailable.class,
              u -> assertThat(u.message()).contains("must hold a PEM certificate chain"));
    }
  }

  @Test
  void aFileWithoutAKeyOrASealedKeyWithoutASealKeyIsUnavailableWithAReason() throws Exception {
    Path file = dir.resolve("chain-only.pem");
    Files.writeString(file, Files.readString(KEYS.resolve("edge.example.com.crt")));
    KeyLoader loader = KeyLoader.of(null, CertificateDirs.shared(List.of(dir)));

    assertThat(only(loader, new KeyRef.File("default", file.toString())))
        .isEqualTo(
            new KeyMaterial.Unavailable(
                KeyMaterial.Reason.INVALID_CERTIFICATE_REF,
                file + " must hold a PEM certificate chain and one PEM private key"));
    assertThat(only(loader, new KeyRef.File("default", dir.resolve("absent.pem").toString())))
        .isInstanceOfSatisfying(
            KeyMaterial.Unavailable.class,
            u -> {
              assertThat(u.reason()).isEqualTo(KeyMaterial.Reason.REF_NOT_PERMITTED);
              assertThat(u.message()).contains("--cert-dirs");
            });
    KeyRef sealed =
        new KeyRef.Sealed(
            "default",
            "x",
            "chain",
            new SealedData("RSA-OAEP-256+A256GCM", "0123456789abcdef", "AAAA", null));
    assertThat(only(loader, sealed))
        .isInstanceOfSatisfying(
            KeyMaterial.Unavailable.class,
            u -> assertThat(u.message()).contains("no seal key (MESHGATE_SEAL_KEY)"));
  }

  @Test
  void aFileWithADamagedBlockIsUnavailableAndTheMessageNamesItWithoutKeyBytes() throws Exception {
    String key = Files.readString(KEYS.resolve("edge.example.com.key"));
    String keyLine = key.lines().skip(1).findFirst().orElseThrow();
    Path file =
        Files.writeString(
            dir.resolve("edge.pem"),
            Files.readString(KEYS.resolve("edge.example.com.crt"))
                + key.replace(keyLine, keyLine.substring(0, 20) + "*" + keyLine.substring(21)));
    KeyLoader loader = KeyLoader.of(null, CertificateDirs.shared(List.of(dir)));

    assertThat(only(loader, new KeyRef.File("default", file.toString())))
        .isInstanceOfSatisfying(
            KeyMaterial.Unavailable.class,
            u -> {
              assertThat(u.reason()).isEqualTo(KeyMaterial.Reason.INVALID_CERTIFICATE_REF);
              assertThat(u.message())
                  .startsWith(file + ": the 'PRIVATE KEY' block is not valid base64")
                  .doesNotContain(keyLine.substring(0, 20));
            });
  }

  @Test
  void aRingNeverShowsKeyMaterialAndAnUnknownReferenceIsUnavailable() {
    KeyRing ring = KeyRing.of(Map.of());

    assertThat(ring.get(new KeyRef.File("default", "/x.pem")))
        .isInstanceOf(KeyMaterial.Unavailable.class);
    assertThat(KeyRing.empty()).isEqualTo(ring);
  }

  @Test
  void anOpaqueSecretsSealedValuesOpenWithTheSealKeyAndNeverPrint() throws Exception {
    Map<String, byte[]> plain =
        Map.of(
            "alice", "k-alice-0123456789".getBytes(StandardCharsets.UTF_8),
            "bob", "k-bob-9876543210".getBytes(StandardCharsets.UTF_8));
    Sealer sealer = new Sealer(SealKeys.readPublic(KEYS.resolve("seal.pub")));
    KeyRef ref =
        new KeyRef.SealedValues("edge", "api-keys", sealer.seal("edge", "api-keys", plain));
    KeyLoader loader =
        KeyLoader.of(Unsealer.readKeyFile(KEYS.resolve("seal.key")), CertificateDirs.none());

    KeyMaterial material = only(loader, ref);

    assertThat(material)
        .isInstanceOfSatisfying(
            KeyMaterial.Values.class,
            values -> {
              assertThat(values.values().get("alice").utf8()).isEqualTo("k-alice-0123456789");
              assertThat(values.values().get("bob").utf8()).isEqualTo("k-bob-9876543210");
              assertThat(values.toString() + values.values())
                  .contains("alice", "bob")
                  .doesNotContain("k-alice", "k-bob");
            });
    // The fingerprint is of the envelope, never of the values: the same values sealed again have
    // another (so no guess of a value can be checked against it), and so has a changed value.
    KeyMaterial resealed =
        only(
            loader,
            new KeyRef.SealedValues("edge", "api-keys", sealer.seal("edge", "api-keys", plain)));
    KeyMaterial changed =
        only(
            loader,
            new KeyRef.SealedValues(
                "edge",
                "api-keys",
                sealer.seal(
                    "edge",
                    "api-keys",
                    Map.of("alice", "k-alice-changed".getBytes(StandardCharsets.UTF_8)))));
    String fingerprint = ((KeyMaterial.Values) material).fingerprint();
    assertThat(((KeyMaterial.Values) resealed).fingerprint()).isNotEqualTo(fingerprint);
    assertThat(only(loader, ref)).isEqualTo(material);
    assertThat(((KeyMaterial.Values) changed).fingerprint()).isNotEqualTo(fingerprint);
    // Sealed for another Secret's name, the envelope does not open: it is bound to its Secret.
    assertThat(
            only(
                loader,
                new KeyRef.SealedValues("edge", "other", sealer.seal("edge", "api-keys", plain))))
        .isInstanceOf(KeyMaterial.Unavailable.class);
    assertThat(only(KeyLoader.none(), ref))
        .isInstanceOfSatisfying(
            KeyMaterial.Unavailable.class,
            u -> assertThat(u.message()).contains("no seal key (MESHGATE_SEAL_KEY)"));
  }
}
