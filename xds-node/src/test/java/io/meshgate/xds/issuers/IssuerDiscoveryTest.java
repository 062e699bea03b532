package io.meshgate.xds.issuers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Discovery against real local HTTPS servers (the test certificate {@code localhost.crt}, trusted
 * through {@link IssuerDiscovery.Settings#withTls}): what each way a provider can fail leaves in
 * the snapshot, and which changes wake the pipeline.
 */
class IssuerDiscoveryTest {
  private static final Path KEYS = Path.of("src/test/resources/test-keys");

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void aGoodDocumentBecomesTheIssuersMetadata() throws Exception {
    // given
    Provider provider = provider();
    IssuerDiscovery discovery = discovery(settings());
    // when
    IssuerSnapshot first = discovery.snapshotFor(Set.of(provider.issuer()));
    // then
    assertThat(first.get(provider.issuer()))
        .isEqualTo(new Discovery.Missing(new Discovery.Failure(Discovery.Kind.PENDING, "")));
    await()
        .untilAsserted(
            () ->
                assertThat(discovery.snapshotFor(Set.of(provider.issuer())).get(provider.issuer()))
                    .isEqualTo(
                        new Discovery.Current(
                            new IssuerMetadata(
                                provider.issuer(),
                                "https://login.example.com/authorize",
                                "https://login.example.com/token",
                                "https://login.example.com/logout",
                                null))));
  }

  @Test
  void aCertificateNotTrustedIsSaidSo() throws Exception {
    // given: the discovery trusts another certificate than the one the provider shows
    Provider provider = provider();
    IssuerDiscovery discovery =
        discovery(settings().withTls(trusting(KEYS.resolve("edge.example.com.crt"))));
    // when
    discovery.snapshotFor(Set.of(provider.issuer()));
    // then
    await()
        .untilAsserted(
            () ->
                assertThat(failureOf(discovery, provider.issuer()).kind())
                    .isEqualTo(Discovery.Kind.CERTIFICATE_NOT_TRUSTED));
  }

  @Test
  void aProviderThatNeverAnswersTimesOut() throws Exception {
    // given: a socket that accepts and never says a word (no TLS handshake, no headers)
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
    String issuer = "https://127.0.0.1:" + silent.getLocalPort();
    IssuerDiscovery discovery = discovery(settings().withTimeout(Duration.ofMillis(300)));
    // when
    discovery.snapshotFor(Set.of(issuer));
    // then
    await()
        .untilAsserted(
            () ->
                assertThat(failureOf(discovery, issuer).kind()).isEqualTo(Discovery.Kind.TIMEOUT));
    assertThat(accepted).isNotEmpty();
  }

  @Test
  void aProviderDownAfterAFirstSuccessLeavesTheLastGoodDocumentInUse() throws Exception {
    // given: a provider that answers once, then fails
    Provider provider = provider();
    IssuerDiscovery discovery =
        discovery(settings().withRefresh(Duration.ofMillis(50), Duration.ofMillis(20)));
    AtomicInteger changes = new AtomicInteger();
    discovery.onChange(changes::incrementAndGet);
    discovery.snapshotFor(Set.of(provider.issuer()));
    await()
        .until(
            () ->
                discovery.snapshotFor(Set.of(provider.issuer())).get(provider.issuer())
                    instanceof Discovery.Current);
    IssuerMetadata good =
        ((Discovery.Current)
                discovery.snapshotFor(Set.of(provider.issuer())).get(provider.issuer()))
            .metadata();
    // when
    provider.status.set(503);
    // then
    await()
        .untilAsserted(
            () ->
                assertThat(discovery.snapshotFor(Set.of(provider.issuer())).get(provider.issuer()))
                    .isEqualTo(
                        new Discovery.Stale(
                            good, new Discovery.Failure(Discovery.Kind.UNREACHABLE, "HTTP 503"))));
    // and when it answers again, the document is current again
    provider.status.set(200);
    await()
        .until(
            () ->
                discovery.snapshotFor(Set.of(provider.issuer())).get(provider.issuer())
                    instanceof Discovery.Current);
    // three changes, each told once: current, stale, current (listeners run after the update)
    await().untilAsserted(() -> assertThat(changes.get()).isEqualTo(3));
  }

  @Test
  void anUnchangedDocumentWakesNobody() throws Exception {
    // given: a provider fetched again every 20 ms
    Provider provider = provider();
    IssuerDiscovery discovery =
        discovery(settings().withRefresh(Duration.ofMillis(20), Duration.ofMillis(20)));
    AtomicInteger changes = new AtomicInteger();
    discovery.onChange(changes::incrementAndGet);
    // when
    discovery.snapshotFor(Set.of(provider.issuer()));
    await().until(() -> provider.hits.get() >= 5);
    // then: the first document was a change, the four same ones after it were not
    assertThat(changes.get()).isEqualTo(1);
  }

  @Test
  void aDocumentNamingAnotherIssuerIsRefused() throws Exception {
    // given
    Provider provider = provider();
    provider.claimedIssuer.set("https://evil.example.com");
    IssuerDiscovery discovery = discovery(settings());
    // when
    discovery.snapshotFor(Set.of(provider.issuer()));
    // then
    await()
        .untilAsserted(
            () ->
                assertThat(failureOf(discovery, provider.issuer()))
                    .isEqualTo(
                        new Discovery.Failure(
                            Discovery.Kind.ISSUER_MISMATCH,
                            "it names 'https://evil.example.com'")));
  }

  @Test
  void anOversizedDocumentIsRefused() throws Exception {
    // given: a document of 100 KiB, over the 64 KiB bound
    Provider provider = provider();
    provider.padding.set(100 * 1024);
    IssuerDiscovery discovery = discovery(settings());
    // when
    discovery.snapshotFor(Set.of(provider.issuer()));
    // then
    await()
        .untilAsserted(
            () ->
                assertThat(failureOf(discovery, provider.issuer()))
                    .isEqualTo(
                        new Discovery.Failure(
                            Discovery.Kind.TOO_LARGE, "larger than 65536 bytes")));
  }

  @Test
  void aDocumentWithoutATokenEndpointIsMalformed() {
    String issuer = "https://login.example.com";
    Discovery parsed =
        IssuerDiscovery.parse(
            issuer,
            ("{\"issuer\":\""
                    + issuer
                    + "\",\"authorization_endpoint\":\"https://login.example.com/a\","
                    + "\"jwks_uri\":\"http://login.example.com/keys\"}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(parsed)
        .isEqualTo(
            new Discovery.Missing(
                new Discovery.Failure(
                    Discovery.Kind.MALFORMED, "no token_endpoint; jwks_uri is not an https URL")));
  }

  @Test
  void retriesBackOffFromTheFirstDelayUpToTheRefresh() {
    IssuerDiscovery.Settings settings = IssuerDiscovery.Settings.DEFAULTS;
    assertThat(List.of(1, 2, 3, 7, 8, 100))
        .extracting(n -> IssuerDiscovery.backoff(settings, n))
        .containsExactly(
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(20),
            Duration.ofSeconds(320),
            Duration.ofMinutes(10),
            Duration.ofMinutes(10));
  }

  @Test
  void anIssuerNoLongerNamedIsForgotten() throws Exception {
    Provider provider = provider();
    IssuerDiscovery discovery = discovery(settings());
    discovery.snapshotFor(Set.of(provider.issuer()));
    await()
        .until(
            () ->
                discovery.snapshotFor(Set.of(provider.issuer())).get(provider.issuer())
                    instanceof Discovery.Current);
    assertThat(discovery.snapshotFor(Set.of()).size()).isZero();
  }

  private static Discovery.Failure failureOf(IssuerDiscovery discovery, String issuer) {
    Discovery known = discovery.snapshotFor(Set.of(issuer)).get(issuer);
    assertThat(known).isInstanceOf(Discovery.Missing.class);
    Discovery.Failure failure = ((Discovery.Missing) known).failure();
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

  private static SSLContext trusting(Path certificate) throws Exception {
    return Provider.trusting(certificate);
  }
}
