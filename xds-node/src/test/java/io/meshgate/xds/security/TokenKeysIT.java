package io.meshgate.xds.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.DeleteOption;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.xds.cli.Meshgate;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Signing keys in a real etcd, and the {@code meshgate token} commands. */
class TokenKeysIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  @TempDir static Path sealDir;

  private static SealKeyPair seal;
  private static Sealer sealer;
  private static Unsealer unsealer;

  private Client client;
  private TokenKeys keys;

  @BeforeAll
  static void sealKeys() throws Exception {
    // One pair for the class: RSA-4096 generation is slow.
    seal = SealKeyPair.generate();
    seal.writeTo(sealDir);
    sealer = new Sealer(seal.publicKey());
    unsealer = new Unsealer(seal.privateKey());
  }

  @BeforeEach
  void emptyKeyspace() throws Exception {
    client = etcd.client();
    client
        .getKVClient()
        .delete(
            ByteSequence.from(Keyspace.tokenKey(""), UTF_8),
            DeleteOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS);
    keys = new TokenKeys(client, Clock.systemUTC());
  }

  @Test
  void createStoresThePublicJwkAndTheSealedPrivateKeyOnly() throws Exception {
    // when
    TokenKey created = keys.create(sealer);

    // then
    String json = stored(created.kid());
    assertThat(json)
        .contains("\"kid\":\"" + created.kid() + "\"")
        .contains("\"publicJwk\":{")
        .contains("\"sealedPrivate\":{")
        .contains("\"created\":\"")
        .doesNotContain("retiredAt");
    SigningKey opened = keys.currentSigningKey(unsealer).orElseThrow();
    assertThat(opened.kid()).isEqualTo(created.kid());
    byte[] pkcs8 = opened.privateKey().getEncoded();
    assertThat(json)
        .doesNotContain("\"d\":")
        .doesNotContain(Base64.getEncoder().encodeToString(pkcs8))
        .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(pkcs8))
        .doesNotContain(privateScalar(opened.privateKey()));
    assertThat(created.kid()).matches("[0-9a-f]{16}");
    assertThat(keys.publicKeys()).extracting(PublicKeyEntry::kid).containsExactly(created.kid());
  }

  @Test
  void aTokenOfTheFirstKeyStillVerifiesAfterRotationAndNewTokensCarryTheNewKid() throws Exception {
    // given a token signed by the first key
    TokenKey first = keys.create(sealer);
    String old =
        new TokenIssuer(keys.currentSigningKey(unsealer).orElseThrow(), Clock.systemUTC())
            .create("gateway/default/edge", Optional.empty(), Duration.ofHours(1));
    TokenVerifier verifier = new TokenVerifier(keys, Clock.systemUTC());
    assertThat(verifier.verify(old, "n")).isInstanceOf(Verified.Accepted.class);

    // when
    TokenKey second = keys.rotate(sealer);
    String fresh =
        new TokenIssuer(keys.currentSigningKey(unsealer).orElseThrow(), Clock.systemUTC())
            .create("gateway/default/edge", Optional.empty(), Duration.ofHours(1));

    // then
    assertThat(second.kid()).isNotEqualTo(first.kid());
    assertThat(SignedJWT.parse(fresh).getHeader().getKeyID()).isEqualTo(second.kid());
    assertThat(stored(first.kid())).contains("\"retiredAt\":\"");
    assertThat(stored(second.kid())).doesNotContain("retiredAt");
    assertThat(keys.publicKeys())
        .extracting(PublicKeyEntry::kid)
        .containsExactly(first.kid(), second.kid());
    // a verifier that cached only the first key finds the new one
    assertThat(verifier.verify(old, "n")).isInstanceOf(Verified.Accepted.class);
    assertThat(new TokenVerifier(keys, Clock.systemUTC()).verify(old, "n"))
        .isInstanceOf(Verified.Accepted.class);
    assertThat(new TokenVerifier(keys, Clock.systemUTC()).verify(fresh, "n"))
        .isInstanceOf(Verified.Accepted.class);
  }

  @Test
  void theCliCreatesTheFirstKeyPrintsAVerifiableTokenAndRotates() throws Exception {
    // when
    Run create =
        cli(
            "token",
            "create",
            "--group",
            "gateway/default/edge",
            "--node-id-prefix",
            "edge-",
            "--ttl",
            "2h",
            "--seal-key",
            sealDir.resolve(SealKeyPair.PRIVATE_FILE).toString(),
            "--etcd",
            etcd.endpointList());

    // then stdout is the token and nothing else
    assertThat(create.exit()).as(create.err()).isZero();
    assertThat(create.out()).endsWith("\n");
    String token = create.out().strip();
    assertThat(token)
        .doesNotContain("\n")
        .matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    assertThat(create.err()).contains("created the first token signing key");
    TokenVerifier verifier = new TokenVerifier(keys, Clock.systemUTC());
    Verified verified = verifier.verify(token, "edge-1");
    assertThat(verified).isInstanceOf(Verified.Accepted.class);
    assertThat(((Verified.Accepted) verified).group()).isEqualTo("gateway/default/edge");
    assertThat(verifier.verify(token, "core-1"))
        .isEqualTo(new Verified.Rejected("node id 'core-1' does not start with 'edge-'"));

    // when a key is rotated and another token made
    Run rotate =
        cli(
            "token",
            "rotate-key",
            "--seal-key",
            sealDir.resolve(SealKeyPair.PRIVATE_FILE).toString(),
            "--etcd",
            etcd.endpointList());
    Run second =
        cli(
            "token",
            "create",
            "--group",
            "proxyless",
            "--seal-key",
            sealDir.resolve(SealKeyPair.PRIVATE_FILE).toString(),
            "--etcd",
            etcd.endpointList());

    // then both tokens verify, and only the first call created a key
    assertThat(rotate.exit()).as(rotate.err()).isZero();
    assertThat(rotate.out()).contains("new signing key kid=");
    assertThat(second.exit()).as(second.err()).isZero();
    assertThat(second.err()).doesNotContain("created");
    assertThat(keys.keys()).hasSize(2);
    assertThat(verifier.verify(token, "edge-1")).isInstanceOf(Verified.Accepted.class);
    // the verifier that has cached the first key reads the keys again for the new kid, at most
    // once per TokenVerifier.MIN_REFRESH_INTERVAL
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(verifier.verify(second.out().strip(), "any"))
                    .isInstanceOf(Verified.Accepted.class));
    assertThat(SignedJWT.parse(second.out().strip()).getHeader().getKeyID())
        .isEqualTo(keys.keys().get(1).kid());
  }

  @Test
  void theCliNeedsTheSealKey() {
    Run run = cli("token", "create", "--group", "proxyless", "--etcd", etcd.endpointList());

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_USAGE);
    assertThat(run.err()).contains("--seal-key").contains("MESHGATE_SEAL_KEY");
    assertThat(run.out()).isEmpty();
  }

  private String stored(String kid) throws Exception {
    List<io.etcd.jetcd.KeyValue> kvs =
        client
            .getKVClient()
            .get(ByteSequence.from(Keyspace.tokenKey(kid), UTF_8))
            .get(10, TimeUnit.SECONDS)
            .getKvs();
    assertThat(kvs).hasSize(1);
    return kvs.get(0).getValue().toString(UTF_8);
  }

  /** The private scalar as a JWK's "d" would spell it. */
  private static String privateScalar(ECPrivateKey key) {
    byte[] s = key.getS().toByteArray();
    int start = s.length > 32 ? s.length - 32 : 0;
    byte[] fixed = new byte[32];
    System.arraycopy(s, start, fixed, 32 - (s.length - start), s.length - start);
    return Base64URL.encode(fixed).toString();
  }

  private record Run(int exit, String out, String err) {}

  private static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Meshgate.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exit = commandLine.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }
}
