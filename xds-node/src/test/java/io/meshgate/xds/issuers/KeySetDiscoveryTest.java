package io.meshgate.xds.issuers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.xds.translate.Cases;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Remote JWT key sets fetched by meshgate against real local HTTPS servers: what each way a key set
 * can fail leaves in the snapshot, which CA a fetch trusts, and which changes wake the pipeline.
 */
class KeySetDiscoveryTest {
  private static final Path KEYS = Path.of("src/test/resources/test-keys");

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void aGoodKeySetBecomesCurrentWithItsKeyCountAndFingerprint() throws Exception {
    // given
    Provider provider = provider();
    KeySetSource source = KeySetSource.of(provider.keySetUri());
    IssuerDiscovery discovery = discovery(settings());
    // when
    IssuerSnapshot first = discovery.snapshotFor(Set.of(), Set.of(source));
    // then: pending until the first fetch ends, then current
    assertThat(first.keySet(source))
        .isEqualTo(new KnownKeySet.Missing(new Discovery.Failure(Discovery.Kind.PENDING, "")));
    await()
        .untilAsserted(
            () ->
                assertThat(known(discovery, source))
                    .isEqualTo(
                        new KnownKeySet.Current(
                            new KeySet(
                                1,
                                KeySetSource.sha256(
                                    Provider.ONE_KEY.getBytes(StandardCharsets.UTF_8), 8)))));
  }

  @Test
  void aKeySetIsFetchedTrustingItsProvidersCaAndNotTheJdkStore() throws Exception {
    // given: discovery trusting only the JDK's store, which knows nothing of the test certificate
    Provider provider = provider();
    IssuerDiscovery discovery = discovery(IssuerDiscovery.Settings.DEFAULTS);
    KeySetSource withCa =
        new KeySetSource(provider.keySetUri(), Files.readString(KEYS.resolve("localhost.crt")));
    KeySetSource withoutCa = KeySetSource.of(provider.keySetUri());
    Set<KeySetSource> both = Set.of(withCa, withoutCa);
    // when
    discovery.snapshotFor(Set.of(), both);
    // then: the one naming the CA is current, the other is refused
    await()
        .untilAsserted(
            () -> {
              IssuerSnapshot known = discovery.snapshotFor(Set.of(), both);
              assertThat(known.keySet(withCa)).isInstanceOf(KnownKeySet.Current.class);
              assertThat(known.keySet(withoutCa))
                  .isEqualTo(
                      new KnownKeySet.Missing(
                          new Discovery.Failure(
                              Discovery.Kind.CERTIFICATE_NOT_TRUSTED, "TLS handshake failed")));
            });
  }

  @Test
  void aCertificateNotSignedByTheNamedCaIsNotTrusted() throws Exception {
    // given: the provider names a CA that did not sign the server's certificate
    Provider provider = provider();
    IssuerDiscovery discovery = discovery(settings());
    KeySetSource source =
        new KeySetSource(
            provider.keySetUri(), Files.readString(KEYS.resolve("edge.example.com.crt")));
    // when
    discovery.snapshotFor(Set.of(), Set.of(source));
    // then
    await()
        .untilAsserted(
            () ->
                assertThat(failureOf(discovery, source))
                    .isEqualTo(
                        new Discovery.Failure(
                            Discovery.Kind.CERTIFICATE_NOT_TRUSTED, "TLS handshake failed")));
  }

  @Test
  void aKeySetHostThatNeverAnswersTimesOut() throws Exception {
    // given: a socket that accepts and never says a word
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    open.add(silent);
    List<Socket> accepted = new ArrayList<>();
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (!silent.isClosed()) {
                  accepted.add(silent.accept());
                }
              } catch (IOException closed) {
                // The test is over.
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    KeySetSource source = KeySetSource.of("https://127.0.0.1:" + silent.getLocalPort() + "/jwks");
    IssuerDiscovery discovery = discovery(settings().withTimeout(Duration.ofMillis(300)));
    // when
    discovery.snapshotFor(Set.of(), Set.of(source));
    // then
    await()
        .untilAsserted(
            () ->
                assertThat(failureOf(discovery, source))
                    .isEqualTo(
                        new Discovery.Failure(Discovery.Kind.TIMEOUT, "no answer within PT0.3S")));
    assertThat(accepted).isNotEmpty();
  }

  @Test
  void aKeySetHostDownAfterAFirstSuccessLeavesTheLastGoodKeySetKnown() throws Exception {
    // given: a key set fetched once, then its host fails
    Provider provider = provider();
    KeySetSource source = KeySetSource.of(provider.keySetUri());
    IssuerDiscovery discovery =
        discovery(settings().withRefresh(Duration.ofMillis(50), Duration.ofMillis(20)));
    AtomicInteger changes = new AtomicInteger();
    discovery.onChange(changes::incrementAndGet);
    discovery.snapshotFor(Set.of(), Set.of(source));
    await().until(() -> known(discovery, source) instanceof KnownKeySet.Current);
    KeySet good = ((KnownKeySet.Current) known(discovery, source)).keySet();
    // when
    provider.status.set(503);
    // then: stale, with the last good key set and why the refresh fails
    await()
        .untilAsserted(
            () ->
                assertThat(known(discovery, source))
                    .isEqualTo(
                        new KnownKeySet.Stale(
                            good, new Discovery.Failure(Discovery.Kind.UNREACHABLE, "HTTP 503"))));
    // and when it answers again, current again: three changes, each told once
    provider.status.set(200);
    await().until(() -> known(discovery, source) instanceof KnownKeySet.Current);
    await().untilAsserted(() -> assertThat(changes.get()).isEqualTo(3));
  }

  @Test
  void aKeySetThatIsNotAJwksIsMalformed() throws Exception {
    // given: an empty list of keys
    Provider provider = provider();
    provider.keySet.set("{\"keys\": []}");
    KeySetSource source = KeySetSource.of(provider.keySetUri());
    IssuerDiscovery discovery = discovery(settings());
    // when
    discovery.snapshotFor(Set.of(), Set.of(source));
    // then
    await()
        .untilAsserted(
            () ->
                assertThat(failureOf(discovery, source))
                    .isEqualTo(
                        new Discovery.Failure(
                            Discovery.Kind.MALFORMED,
                            "it is not a JWKS (expected: {\"keys\": [...]} with at least one"
                                + " key)")));
    assertThat(failureOf(discovery, source).about("its key set"))
        .startsWith("its key set is malformed (it is not a JWKS");
  }

  @Test
  void aKeySetOverTheDocumentBoundIsTakenAndOneOver256KibIsTooLarge() throws Exception {
    // given: a 100 KiB key set (over the 64 KiB of a discovery document, under 256 KiB)
    Provider provider = provider();
    provider.keySet.set(padded(100 * 1024));
    KeySetSource source = KeySetSource.of(provider.keySetUri());
    IssuerDiscovery discovery =
        discovery(settings().withRefresh(Duration.ofMillis(50), Duration.ofMillis(20)));
    discovery.snapshotFor(Set.of(), Set.of(source));
    await()
        .untilAsserted(
            () -> assertThat(known(discovery, source)).isInstanceOf(KnownKeySet.Current.class));
    // when it grows to 300 KiB
    provider.keySet.set(padded(300 * 1024));
    // then
    await()
        .untilAsserted(
            () ->
                assertThat(known(discovery, source))
                    .isInstanceOfSatisfying(
                        KnownKeySet.Stale.class,
                        stale ->
                            assertThat(stale.failure())
                                .isEqualTo(
                                    new Discovery.Failure(
                                        Discovery.Kind.TOO_LARGE, "larger than 262144 bytes"))));
  }

  @Test
  void aChangedKeySetIsAChangeAndAnUnchangedOneWakesNobody() throws Exception {
    // given: a key set fetched again every 20 ms
    Provider provider = provider();
    KeySetSource source = KeySetSource.of(provider.keySetUri());
    IssuerDiscovery discovery =
        discovery(settings().withRefresh(Duration.ofMillis(20), Duration.ofMillis(20)));
    AtomicInteger changes = new AtomicInteger();
    discovery.onChange(changes::incrementAndGet);
    discovery.snapshotFor(Set.of(), Set.of(source));
    await().until(() -> provider.keySetHits.get() >= 5);
    // then: the first key set was a change, the same ones after it were not
    assertThat(changes.get()).isEqualTo(1);
    // when the provider rotates its keys
    provider.keySet.set(padded(10));
    // then one more change, with the new fingerprint
    await().untilAsserted(() -> assertThat(changes.get()).isEqualTo(2));
    assertThat(((KnownKeySet.Current) known(discovery, source)).keySet().fingerprint())
        .isEqualTo(KeySetSource.sha256(padded(10).getBytes(StandardCharsets.UTF_8), 8));
  }

  @Test
  void theKeySetsOfAConfigCarryTheCaOfTheirSecrets() throws Exception {
    // given: one provider on the JDK's store, one on a CA from a Secret, one on a missing Secret
    String ca = Files.readString(KEYS.resolve("localhost.crt"));
    String config =
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: keys-ca}
        type: Opaque
        data: {ca.crt: %s}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: SecurityPolicy
        metadata: {name: jwt}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
          jwt:
            providers:
              - name: public
                remoteJWKS: {uri: https://login.example.com/jwks}
              - name: private
                remoteJWKS:
                  uri: https://keys.internal/jwks
                  caCertificateRefs: [{kind: Secret, name: keys-ca}]
              - name: broken
                remoteJWKS:
                  uri: https://other.internal/jwks
                  caCertificateRefs: [{kind: Secret, name: nowhere}]
        """
            .formatted(Base64.getEncoder().encodeToString(ca.getBytes(StandardCharsets.UTF_8)));
    // when
    Set<KeySetSource> keySets = IssuerDiscovery.keySetsIn(Cases.snapshot(config));
    // then
    assertThat(keySets)
        .containsExactlyInAnyOrder(
            KeySetSource.of("https://login.example.com/jwks"),
            new KeySetSource("https://keys.internal/jwks", ca));
  }

  /** A one-key JWKS with {@code n} characters of padding in an extra member. */
  private static String padded(int n) {
    return Provider.ONE_KEY.replace(
        "{\"keys\":", "{\"padding\":\"" + "x".repeat(n) + "\",\"keys\":");
  }

  private static KnownKeySet known(IssuerDiscovery discovery, KeySetSource source) {
    return discovery.snapshotFor(Set.of(), Set.of(source)).keySet(source);
  }

  private static Discovery.Failure failureOf(IssuerDiscovery discovery, KeySetSource source) {
    KnownKeySet known = known(discovery, source);
    assertThat(known).isInstanceOf(KnownKeySet.Missing.class);
    Discovery.Failure failure = ((KnownKeySet.Missing) known).failure();
    assertThat(failure.kind()).isNotEqualTo(Discovery.Kind.PENDING);
    return failure;
  }

  private IssuerDiscovery discovery(IssuerDiscovery.Settings settings) {
    IssuerDiscovery discovery = IssuerDiscovery.start(settings);
    open.add(discovery);
    return discovery;
  }

  private static IssuerDiscovery.Settings settings() throws Exception {
    return IssuerDiscovery.Settings.DEFAULTS
        .withTls(Provider.trustingLocalhost())
        .withTimeout(Duration.ofSeconds(5));
  }

  private Provider provider() throws Exception {
    Provider provider = Provider.start();
    open.add(provider);
    return provider;
  }
}
