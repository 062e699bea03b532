package io.meshgate.xds.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.etcd.jetcd.ByteSequence;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.SealedData;
import io.meshgate.config.seal.SealKeys;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.KeyRef;
import io.meshgate.xds.keys.KeyRing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The seal key is pinned: seal checks its fingerprint, publish does not replace it silently. */
class SealKeyPinningIT {
  private static final Path TEST_KEYS = Path.of("src/test/resources/test-keys");

  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  @TempDir Path dir;

  @BeforeEach
  void noKeyPublished() throws Exception {
    // One etcd for the class: each test starts before any key was published.
    etcd.client()
        .getKVClient()
        .delete(ByteSequence.from(Keyspace.SEAL_PUBLIC, UTF_8))
        .get(5, TimeUnit.SECONDS);
  }

  private Map<String, String> env() {
    return Map.of("MESHGATE_ETCD", etcd.endpointList());
  }

  private CliRun cli(Map<String, String> env, String... args) {
    return CliRun.run(env, dir.resolve("none.yaml"), args);
  }

  private CliRun createKey(String out, String... flags) {
    String[] args = new String[4 + flags.length];
    args[0] = "seal-key";
    args[1] = "create";
    args[2] = "--out";
    args[3] = dir.resolve(out).toString();
    System.arraycopy(flags, 0, args, 4, flags.length);
    return cli(env(), args);
  }

  private String published() throws Exception {
    return etcd.client()
        .getKVClient()
        .get(ByteSequence.from(Keyspace.SEAL_PUBLIC, UTF_8))
        .get(5, TimeUnit.SECONDS)
        .getKvs()
        .get(0)
        .getValue()
        .toString(UTF_8);
  }

  private String fingerprintOf(String out) throws Exception {
    return SealKeys.fingerprint(SealKeys.readPublic(dir.resolve(out).resolve("seal.pub")));
  }

  private Path secret() throws Exception {
    Path secret = dir.resolve("secret.yaml");
    Files.writeString(
        secret,
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\n"
            + "stringData: {token: abc123}\n");
    return secret;
  }

  @Test
  void createPrintsTheFingerprintOfThePublicKeyWhoseFirst16HexAreTheKeyId() throws Exception {
    // when
    CliRun created = createKey("keys");

    // then
    assertThat(created.exit()).as(created.err()).isZero();
    String fingerprint = fingerprintOf("keys");
    assertThat(fingerprint).matches("sha256:[0-9a-f]{64}");
    assertThat(created.out())
        .contains("fingerprint " + fingerprint + " (key id " + fingerprint.substring(7, 23))
        .contains("MESHGATE_SEAL_FINGERPRINT=" + fingerprint)
        .doesNotContain("PRIVATE KEY");
  }

  @Test
  void sealRefusesAPublishedKeyThatIsNotThePinnedOneAndSealsWithTheRightOne() throws Exception {
    // given: the cluster's key is published, then someone who can write etcd publishes theirs
    assertThat(createKey("cluster", "--publish").exit()).isZero();
    String pinned = fingerprintOf("cluster");
    assertThat(createKey("attacker").exit()).isZero();
    etcd.client()
        .getKVClient()
        .put(
            ByteSequence.from(Keyspace.SEAL_PUBLIC, UTF_8),
            ByteSequence.from(Files.readString(dir.resolve("attacker/seal.pub")), UTF_8))
        .get(5, TimeUnit.SECONDS);
    String attacker = fingerprintOf("attacker");
    Map<String, String> pinnedEnv = new HashMap<>(env());
    pinnedEnv.put("MESHGATE_SEAL_FINGERPRINT", pinned);

    // when
    CliRun refused = cli(pinnedEnv, "seal", "-f", secret().toString());
    CliRun withPub =
        cli(
            pinnedEnv,
            "seal",
            "-f",
            secret().toString(),
            "--pub",
            dir.resolve("cluster/seal.pub").toString());
    CliRun flagMatches =
        cli(env(), "seal", "-f", secret().toString(), "--fingerprint", attacker.toUpperCase());
    CliRun unpinned = cli(env(), "seal", "-f", secret().toString());

    // then
    assertThat(refused.exit()).as(refused.err()).isEqualTo(Meshgate.EXIT_INVALID);
    assertThat(refused.err()).contains(attacker).contains("expected: " + pinned);
    assertThat(refused.out()).doesNotContain("sealed:");
    assertThat(withPub.exit()).as(withPub.err()).isZero();
    assertThat(withPub.out()).contains("keyId: " + pinned.substring(7, 23));
    assertThat(flagMatches.exit()).as(flagMatches.err()).isZero();
    assertThat(flagMatches.out()).contains("keyId: " + attacker.substring(7, 23));
    assertThat(unpinned.exit()).as(unpinned.err()).isZero();
    assertThat(unpinned.err())
        .contains("sealed for key " + attacker)
        .contains("MESHGATE_SEAL_FINGERPRINT=" + attacker);
  }

  @Test
  void aMalformedFingerprintIsAUsageError() throws Exception {
    // given
    assertThat(createKey("keys").exit()).isZero();

    // when
    CliRun run =
        cli(
            env(),
            "seal",
            "-f",
            secret().toString(),
            "--pub",
            dir.resolve("keys/seal.pub").toString(),
            "--fingerprint",
            "abc");

    // then
    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_USAGE);
    assertThat(run.err()).contains("'abc' (expected: sha256: and 64 hex digits");
  }

  @Test
  void publishDoesNotReplaceAPublishedKeyWithoutRotateButRepublishesTheSameOne() throws Exception {
    // given
    assertThat(createKey("first", "--publish").exit()).isZero();
    String first = fingerprintOf("first");

    // when
    CliRun other = createKey("second", "--publish");
    CliRun again = createKey("first", "--publish");

    // then
    assertThat(other.exit()).as(other.out()).isEqualTo(Meshgate.EXIT_USAGE);
    assertThat(other.err()).contains(first).contains("--rotate");
    assertThat(dir.resolve("second/seal.key")).doesNotExist();
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).contains("publishing the existing key").contains(first);
    assertThat(SealKeys.fingerprint(SealKeys.parsePublicPem(published()))).isEqualTo(first);
  }

  @Test
  void rotateReplacesThePublishedKeyAndTheReplicaStillOpensWhatWasSealedBefore() throws Exception {
    // given: a TLS Secret sealed with the first key
    assertThat(createKey("keys", "--publish").exit()).isZero();
    String first = fingerprintOf("keys");
    String firstId = first.substring(7, 23);
    SealedData before = sealTls(first);

    // when
    CliRun rotated = createKey("keys", "--publish", "--rotate");
    String second = fingerprintOf("keys");
    SealedData after = sealTls(second);

    // then
    assertThat(rotated.exit()).as(rotated.err()).isZero();
    assertThat(second).isNotEqualTo(first);
    assertThat(SealKeys.fingerprint(SealKeys.parsePublicPem(published()))).isEqualTo(second);
    Path retired = dir.resolve("keys/retired/seal-" + firstId + ".key");
    assertThat(Files.getPosixFilePermissions(retired))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    // as XdsNode.keyLoader builds it from --seal-key
    KeyLoader replica =
        KeyLoader.of(Unsealer.readKeyFile(dir.resolve("keys/seal.key")), CertificateDirs.none());
    String key = Files.readString(TEST_KEYS.resolve("edge.example.com.key"));
    KeyRing ring = replica.ringFor(Set.of(edgeKey(before), edgeKey(after)));
    assertThat(ring.get(edgeKey(before)))
        .isInstanceOfSatisfying(
            KeyMaterial.Opened.class, opened -> assertThat(opened.keyPem()).isEqualTo(key));
    assertThat(ring.get(edgeKey(after)))
        .isInstanceOfSatisfying(
            KeyMaterial.Opened.class, opened -> assertThat(opened.keyPem()).isEqualTo(key));
  }

  private SealedData sealTls(String fingerprint) throws Exception {
    Path secret = dir.resolve("tls.yaml");
    Map<String, Object> stringData =
        Map.of(
            "tls.crt", Files.readString(TEST_KEYS.resolve("edge.example.com.crt")),
            "tls.key", Files.readString(TEST_KEYS.resolve("edge.example.com.key")));
    Files.writeString(
        secret,
        Mappers.yaml()
            .writeValueAsString(
                Map.of(
                    "apiVersion", "v1",
                    "kind", "Secret",
                    "type", "kubernetes.io/tls",
                    "metadata", Map.of("name", "edge-cert", "namespace", "infra"),
                    "stringData", stringData)));
    CliRun sealed = cli(env(), "seal", "-f", secret.toString(), "--fingerprint", fingerprint);
    assertThat(sealed.exit()).as(sealed.err()).isZero();
    JsonNode tree = Mappers.yaml().readTree(sealed.out());
    return Mappers.json().treeToValue(tree.path("sealed"), SealedData.class);
  }

  private static KeyRef edgeKey(SealedData sealed) throws Exception {
    return new KeyRef.Sealed(
        "infra", "edge-cert", Files.readString(TEST_KEYS.resolve("edge.example.com.crt")), sealed);
  }
}
