package io.meshgate.meshbridge.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.ManualClock;
import io.meshgate.meshbridge.identity.SignedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The plugged-in Istio CA: leaves that a PKIX validator and a real TLS server trusting
 * root-cert.pem accept, the files checked strictly with messages naming the file, and rotation of
 * the files with the last good CA kept while newer files are broken. Time is a manual clock; the
 * poll is driven by {@link PluggedCaSource#check()}, except where the poll itself is under test.
 */
class PluggedCaSourceTest {
  private static final String DOMAIN = "cluster.local";
  private static final SpiffeId GATEWAY = SpiffeId.workload(DOMAIN, "edge", "gateway");
  private static final Duration TTL = Duration.ofHours(24);
  private static final Duration NO_POLL = Duration.ofHours(1);
  private static final Instant START = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  // One hierarchy for the refusals, which only read files: making keys is the slow part.
  private static final Cacerts.Ca ROOT = Cacerts.root("mesh root", START);
  private static final Cacerts.Ca INTERMEDIATE = Cacerts.intermediate(ROOT, "istio ca", START);
  private static final Cacerts.Ca OTHER_ROOT = Cacerts.root("other root", START);
  private static final Cacerts.Ca OTHER_INTERMEDIATE =
      Cacerts.intermediate(OTHER_ROOT, "other ca", START);

  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(START);
  private final List<PluggedCaSource> started = new ArrayList<>();

  @AfterEach
  void closeSources() {
    started.forEach(PluggedCaSource::close);
  }

  // ---- what it issues

  @Test
  void theLeafValidatesWithPkixAgainstRootCertPemAndNamesExactlyTheId() throws Exception {
    // given
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = start(TTL);

    // when
    IssuedIdentity identity = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();

    // then: leaf + ca-cert.pem, the root left out; valid for the TTL from now
    List<X509Certificate> chain = Pem.certificates(identity.chainPem(), "chain");
    assertThat(chain).hasSize(2);
    assertThat(chain.get(1)).isEqualTo(INTERMEDIATE.certificate());
    X509Certificate leaf = chain.get(0);
    assertThat(uriSans(leaf)).containsExactly(GATEWAY.toString());
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(START.plus(TTL));
    assertThat(leaf.getNotBefore().toInstant()).isBeforeOrEqualTo(START);
    assertThat(identity.refreshAt()).isEqualTo(START.plus(TTL.multipliedBy(2).dividedBy(3)));
    PKIXCertPathValidatorResult result = pkix(chain, List.of(ROOT.certificate()), START);
    assertThat(result.getTrustAnchor().getTrustedCert()).isEqualTo(ROOT.certificate());
    assertThat(keyOf(identity).getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void theBundleIsRootCertPemAndTheTrustDomainIsTheSettings() throws Exception {
    // given
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = start(TTL);

    // when
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(GATEWAY));

    // then
    TrustBundle bundle = snapshot.bundle().orElseThrow();
    assertThat(bundle.trustDomain()).isEqualTo(DOMAIN);
    assertThat(Pem.certificates(bundle.pem(), "bundle")).containsExactly(ROOT.certificate());
    assertThat(source.bundle()).contains(bundle);
    assertThat(source.trustDomain()).contains(DOMAIN);
    assertThat(snapshot.problem()).isEmpty();
  }

  @Test
  void aDeeperChainIsServedUpToButWithoutTheRoot() throws Exception {
    // given: root → regional CA → istio CA, cert-chain.pem as Istio's tooling writes it
    Cacerts.Ca regional = Cacerts.intermediate(ROOT, "regional ca", START);
    Cacerts.Ca istio = Cacerts.intermediate(regional, "istio ca", START);
    Cacerts.write(
        dir,
        istio,
        List.of(istio.certificate(), regional.certificate(), ROOT.certificate()),
        List.of(ROOT.certificate()));
    PluggedCaSource source = start(TTL);

    // when
    IssuedIdentity identity = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();

    // then
    List<X509Certificate> chain = Pem.certificates(identity.chainPem(), "chain");
    assertThat(chain.subList(1, chain.size()))
        .containsExactly(istio.certificate(), regional.certificate());
    assertThat(pkix(chain, List.of(ROOT.certificate()), START).getTrustAnchor().getTrustedCert())
        .isEqualTo(ROOT.certificate());
  }

  @Test
  void aChainWithoutTheRootIsTakenAsItIs() throws Exception {
    // given
    Cacerts.write(
        dir, INTERMEDIATE, List.of(INTERMEDIATE.certificate()), List.of(ROOT.certificate()));
    PluggedCaSource source = start(TTL);

    // when
    IssuedIdentity identity = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();

    // then
    List<X509Certificate> chain = Pem.certificates(identity.chainPem(), "chain");
    assertThat(chain).hasSize(2);
    assertThat(pkix(chain, List.of(ROOT.certificate()), START)).isNotNull();
  }

  @Test
  void aRootSigningItselfWithAnEmptyCertChainServesTheLeafAlone() throws Exception {
    // given: Istio's rule when ca-cert.pem is the root: cert-chain.pem is empty
    Cacerts.write(dir, ROOT, List.of(), List.of(ROOT.certificate()));
    Cacerts.write(dir, PluggedCa.CERT_CHAIN, "");
    PluggedCaSource source = start(TTL);

    // when
    IssuedIdentity identity = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();

    // then
    List<X509Certificate> chain = Pem.certificates(identity.chainPem(), "chain");
    assertThat(chain).hasSize(1);
    assertThat(pkix(chain, List.of(ROOT.certificate()), START)).isNotNull();
  }

  @Test
  void anRsaIntermediateSignsToo() throws Exception {
    // given
    Cacerts.Ca rsa =
        Cacerts.issued(
            ROOT,
            "istio rsa ca",
            Cacerts.rsaKeys(),
            START.minus(Duration.ofDays(1)),
            START.plus(Duration.ofDays(30)),
            Cacerts.Kind.CA);
    Cacerts.write(dir, rsa, ROOT);
    PluggedCaSource source = start(TTL);

    // when
    IssuedIdentity identity = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();

    // then
    List<X509Certificate> chain = Pem.certificates(identity.chainPem(), "chain");
    assertThat(chain.get(0).getSigAlgName()).isEqualTo("SHA256withRSA");
    assertThat(pkix(chain, List.of(ROOT.certificate()), START)).isNotNull();
  }

  @Test
  void theLeafNeverOutlivesTheIntermediateAndTheShortLifeIsAProblem() throws Exception {
    // given: an intermediate that expires in two hours, a TTL of a day
    Instant caExpiry = START.plus(Duration.ofHours(2));
    Cacerts.Ca shortLived =
        Cacerts.issued(
            ROOT,
            "istio ca",
            KeyPairs.generate(new SecureRandom()),
            START.minus(Duration.ofDays(1)),
            caExpiry,
            Cacerts.Kind.CA);
    Cacerts.write(dir, shortLived, ROOT);
    PluggedCaSource source = start(TTL);

    // when
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(GATEWAY));

    // then
    IssuedIdentity identity = snapshot.get(GATEWAY).orElseThrow();
    assertThat(identity.notAfter()).isEqualTo(caExpiry);
    assertThat(Pem.certificates(identity.chainPem(), "chain").get(0).getNotAfter().toInstant())
        .isEqualTo(caExpiry);
    IdentitySnapshot.Problem problem = snapshot.problem().orElseThrow();
    assertThat(problem.reason())
        .contains(dir.resolve("ca-cert.pem").toString())
        .contains("expires");
    assertThat(problem.since()).isEqualTo(caExpiry.minus(TTL));
  }

  @Test
  void onceTheIntermediateExpiredNothingIsIssuedAndSignRefuses() throws Exception {
    // given
    Instant caExpiry = START.plus(Duration.ofHours(2));
    Cacerts.Ca shortLived =
        Cacerts.issued(
            ROOT,
            "istio ca",
            KeyPairs.generate(new SecureRandom()),
            START.minus(Duration.ofDays(1)),
            caExpiry,
            Cacerts.Kind.CA);
    Cacerts.write(dir, shortLived, ROOT);
    PluggedCaSource source = start(TTL);
    AtomicInteger changes = new AtomicInteger();
    source.onChange(changes::incrementAndGet);

    // when
    clock.set(caExpiry.plusSeconds(1));
    source.check();

    // then
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(GATEWAY));
    assertThat(changes.get()).isEqualTo(1);
    assertThat(snapshot.identities()).isEmpty();
    assertThat(snapshot.bundle()).isPresent();
    assertThat(snapshot.problem().orElseThrow().reason()).contains("expired");
    KeyPair workload = KeyPairs.generate(new SecureRandom());
    assertThatThrownBy(() -> source.sign(GATEWAY, workload.getPublic()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ca-cert.pem")
        .hasMessageContaining("expired");
  }

  @Test
  void onlyWorkloadIdsOfItsTrustDomainAreIssued() throws Exception {
    // given
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = start(TTL);
    SpiffeId stranger = SpiffeId.workload("elsewhere.example", "edge", "gateway");
    SpiffeId notAWorkload = new SpiffeId(DOMAIN, "/gateway");

    // when
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(GATEWAY, stranger, notAWorkload));

    // then
    assertThat(snapshot.identities()).containsOnlyKeys(GATEWAY);
    KeyPair workload = KeyPairs.generate(new SecureRandom());
    assertThatThrownBy(() -> source.sign(stranger, workload.getPublic()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cluster.local");
    assertThatThrownBy(() -> source.sign(notAWorkload, workload.getPublic()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/ns/<namespace>/sa/<service account>");
  }

  @Test
  void signCertifiesTheWorkloadsOwnKeyWithTheSameChain() throws Exception {
    // given
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = start(TTL);
    SpiffeId grpc = SpiffeId.workload(DOMAIN, "shop", "orders");
    KeyPair workload = KeyPairs.generate(new SecureRandom());

    // when
    SignedIdentity signed = source.sign(grpc, workload.getPublic());

    // then
    List<X509Certificate> chain = Pem.certificates(signed.chainPem(), "chain");
    assertThat(chain.get(0).getPublicKey()).isEqualTo(workload.getPublic());
    assertThat(uriSans(chain.get(0))).containsExactly(grpc.toString());
    assertThat(chain.get(1)).isEqualTo(INTERMEDIATE.certificate());
    assertThat(pkix(chain, List.of(ROOT.certificate()), START)).isNotNull();
    assertThat(signed.bundle()).isEqualTo(source.bundle().orElseThrow());
    assertThat(signed.notAfter()).isEqualTo(START.plus(TTL));
    assertThat(signed.refreshAt()).isAfter(START).isBefore(signed.notAfter());
  }

  @Test
  void aRealTlsServerTrustingRootCertPemAcceptsTheLeafAndItsChain() throws Exception {
    // given: the real clock, as the JDK's TLS checks validity against it
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = track(PluggedCaSource.start(settings(TTL), Clock.systemUTC()));
    SpiffeId serverId = SpiffeId.workload(DOMAIN, "shop", "orders");
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(GATEWAY, serverId));
    List<X509Certificate> roots =
        Pem.certificates(Files.readString(dir.resolve(PluggedCa.ROOT_CERT)), "root-cert.pem");

    // when: the gateway's identity as client, another workload's as the server
    String seen =
        handshake(snapshot.get(serverId).orElseThrow(), snapshot.get(GATEWAY).orElseThrow(), roots);

    // then
    assertThat(seen).isEqualTo(GATEWAY.toString());
  }

  // ---- renewal

  @Test
  void theSameLeafUntilItIsDueThenANewOneAndListenersAreTold() throws Exception {
    // given
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = start(TTL);
    AtomicInteger changes = new AtomicInteger();
    source.onChange(changes::incrementAndGet);
    IssuedIdentity first = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();

    // when: not yet due
    clock.set(first.refreshAt().minusSeconds(1));
    source.check();

    // then
    assertThat(changes.get()).isZero();
    assertThat(source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY)).contains(first);

    // when: due
    clock.set(first.refreshAt());
    source.check();

    // then
    assertThat(changes.get()).isEqualTo(1);
    IssuedIdentity second = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();
    assertThat(second.fingerprint()).isNotEqualTo(first.fingerprint());
    assertThat(second.notAfter()).isEqualTo(first.refreshAt().plus(TTL));
    assertThat(second.refreshAt()).isAfter(first.refreshAt());
  }

  // ---- rotation of the files

  @Test
  void anIntermediateRotatedInTheFilesSignsNewLeavesAndBothRootsAreTrusted() throws Exception {
    // given
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = start(TTL);
    AtomicInteger changes = new AtomicInteger();
    source.onChange(changes::incrementAndGet);
    IssuedIdentity before = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();

    // when: a new root and intermediate, root-cert.pem holding the old root and the new
    Cacerts.Ca newRoot = Cacerts.root("mesh root 2", START);
    Cacerts.Ca newIntermediate = Cacerts.intermediate(newRoot, "istio ca 2", START);
    Cacerts.write(
        dir,
        newIntermediate,
        List.of(newIntermediate.certificate(), newRoot.certificate()),
        List.of(ROOT.certificate(), newRoot.certificate()));
    source.check();

    // then
    assertThat(changes.get()).isEqualTo(1);
    IdentitySnapshot after = source.snapshotFor(Set.of(GATEWAY));
    List<X509Certificate> chain =
        Pem.certificates(after.get(GATEWAY).orElseThrow().chainPem(), "c");
    assertThat(after.get(GATEWAY).orElseThrow().fingerprint()).isNotEqualTo(before.fingerprint());
    assertThat(chain.get(1)).isEqualTo(newIntermediate.certificate());
    assertThat(Pem.certificates(after.bundle().orElseThrow().pem(), "bundle"))
        .containsExactly(ROOT.certificate(), newRoot.certificate());
    List<X509Certificate> bothRoots = List.of(ROOT.certificate(), newRoot.certificate());
    assertThat(pkix(chain, bothRoots, START).getTrustAnchor().getTrustedCert())
        .isEqualTo(newRoot.certificate());
    assertThat(after.problem()).isEmpty();
  }

  @Test
  void brokenNewFilesKeepTheOldCaWithAProblemSinceTheFirstBadReadUntilGoodFilesCome()
      throws Exception {
    // given
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = start(TTL);
    AtomicInteger changes = new AtomicInteger();
    source.onChange(changes::incrementAndGet);
    IssuedIdentity before = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();

    // when: the new intermediate's certificate is written, its key not yet
    Cacerts.Ca next = Cacerts.intermediate(ROOT, "istio ca 2", START);
    clock.advance(Duration.ofMinutes(1));
    Instant broken = clock.instant();
    Cacerts.write(dir, PluggedCa.CA_CERT, Pem.certificates(List.of(next.certificate())));
    source.check();

    // then: the old CA still signs, and the snapshot says why the files were not taken
    assertThat(changes.get()).isEqualTo(1);
    IdentitySnapshot kept = source.snapshotFor(Set.of(GATEWAY));
    assertThat(kept.get(GATEWAY)).contains(before);
    IdentitySnapshot.Problem problem = kept.problem().orElseThrow();
    assertThat(problem.reason())
        .contains(dir.resolve("cert-chain.pem").toString())
        .contains("starts with")
        .contains("still signing with CN=istio ca");
    assertThat(problem.since()).isEqualTo(broken);

    // when: the chain follows, the key still does not match
    clock.advance(Duration.ofMinutes(1));
    Cacerts.write(
        dir,
        PluggedCa.CERT_CHAIN,
        Pem.certificates(List.of(next.certificate(), ROOT.certificate())));
    source.check();

    // then: another problem, the same since
    IdentitySnapshot.Problem stillBroken =
        source.snapshotFor(Set.of(GATEWAY)).problem().orElseThrow();
    assertThat(stillBroken.reason())
        .contains(dir.resolve("ca-key.pem").toString())
        .contains("not the private key of");
    assertThat(stillBroken.since()).isEqualTo(broken);
    assertThat(source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY)).contains(before);
    assertThat(changes.get()).isEqualTo(2);

    // when: the key arrives
    Cacerts.write(dir, PluggedCa.CA_KEY, Pem.privateKey(next.keys().getPrivate()));
    source.check();

    // then: the new CA, no problem
    IdentitySnapshot recovered = source.snapshotFor(Set.of(GATEWAY));
    assertThat(recovered.problem()).isEmpty();
    assertThat(Pem.certificates(recovered.get(GATEWAY).orElseThrow().chainPem(), "c").get(1))
        .isEqualTo(next.certificate());
    assertThat(changes.get()).isEqualTo(3);
  }

  @Test
  void filesRewrittenWithTheSameCaClearTheProblemAndKeepTheLeaf() throws Exception {
    // given: a bad write
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = start(TTL);
    IssuedIdentity before = source.snapshotFor(Set.of(GATEWAY)).get(GATEWAY).orElseThrow();
    Cacerts.write(dir, PluggedCa.ROOT_CERT, "-----BEGIN CERTIFICATE-----\nMIIB");
    source.check();
    assertThat(source.snapshotFor(Set.of(GATEWAY)).problem()).isPresent();

    // when: the same files again
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    source.check();

    // then
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(GATEWAY));
    assertThat(snapshot.problem()).isEmpty();
    assertThat(snapshot.get(GATEWAY)).contains(before);
  }

  @Test
  void thePollNoticesRotatedFilesByItself() throws Exception {
    // given: a short poll
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source =
        track(PluggedCaSource.start(settings(TTL).withPoll(Duration.ofMillis(50)), clock));
    AtomicInteger changes = new AtomicInteger();
    source.onChange(changes::incrementAndGet);

    // when
    Cacerts.Ca next = Cacerts.intermediate(ROOT, "istio ca 2", START);
    Cacerts.write(dir, next, ROOT);

    // then
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.get() > 0);
    IdentitySnapshot snapshot =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> source.snapshotFor(Set.of(GATEWAY)),
                s ->
                    s.problem().isEmpty()
                        && Pem.certificates(s.get(GATEWAY).orElseThrow().chainPem(), "c")
                            .get(1)
                            .equals(next.certificate()));
    assertThat(snapshot.bundle().orElseThrow().rootsPem()).hasSize(1);
  }

  // ---- refusals

  static Stream<Arguments> brokenDirectories() {
    return Stream.of(
        broken(
            "ca-key.pem missing",
            d -> delete(d.resolve(PluggedCa.CA_KEY)),
            PluggedCa.CA_KEY,
            "missing"),
        broken(
            "cert-chain.pem over 64 KiB",
            d ->
                Cacerts.write(
                    d,
                    PluggedCa.CERT_CHAIN,
                    Pem.certificates(List.of(INTERMEDIATE.certificate(), ROOT.certificate()))
                        + "#".repeat(PluggedCa.MAX_FILE_BYTES)),
            PluggedCa.CERT_CHAIN,
            "larger than 65536 bytes"),
        broken(
            "ca-key.pem of another certificate",
            d ->
                Cacerts.write(
                    d, PluggedCa.CA_KEY, Pem.privateKey(OTHER_INTERMEDIATE.keys().getPrivate())),
            PluggedCa.CA_KEY,
            "not the private key of"),
        broken(
            "ca-key.pem garbage",
            d -> Cacerts.write(d, PluggedCa.CA_KEY, "not a key at all"),
            PluggedCa.CA_KEY,
            "no PEM block"),
        broken(
            "ca-cert.pem not a CA",
            d -> writeIssued(d, Cacerts.Kind.END_ENTITY),
            PluggedCa.CA_CERT,
            "is not a CA certificate"),
        broken(
            "ca-cert.pem without keyCertSign",
            d -> writeIssued(d, Cacerts.Kind.CA_WITHOUT_CERT_SIGN),
            PluggedCa.CA_CERT,
            "keyCertSign"),
        broken(
            "ca-cert.pem expired",
            d -> {
              Cacerts.Ca old =
                  Cacerts.issued(
                      ROOT,
                      "old ca",
                      KeyPairs.generate(new SecureRandom()),
                      START.minus(Duration.ofDays(30)),
                      START.minus(Duration.ofDays(1)),
                      Cacerts.Kind.CA);
              Cacerts.write(d, old, ROOT);
            },
            PluggedCa.CA_CERT,
            "expired at"),
        broken(
            "ca-cert.pem garbage",
            d -> Cacerts.write(d, PluggedCa.CA_CERT, "hello"),
            PluggedCa.CA_CERT,
            "no PEM block"),
        broken(
            "ca-cert.pem half written",
            d -> {
              String pem = Pem.certificates(List.of(INTERMEDIATE.certificate()));
              Cacerts.write(d, PluggedCa.CA_CERT, pem.substring(0, pem.length() / 2));
            },
            PluggedCa.CA_CERT,
            "has no END line"),
        broken(
            "ca-cert.pem a block that is no certificate",
            d -> Cacerts.write(d, PluggedCa.CA_CERT, Pem.encode("CERTIFICATE", new byte[] {1, 2})),
            PluggedCa.CA_CERT,
            "block 1 is not an X.509 certificate"),
        broken(
            "ca-cert.pem two certificates",
            d ->
                Cacerts.write(
                    d,
                    PluggedCa.CA_CERT,
                    Pem.certificates(List.of(INTERMEDIATE.certificate(), ROOT.certificate()))),
            PluggedCa.CA_CERT,
            "expected: exactly one"),
        broken(
            "cert-chain.pem not starting with ca-cert.pem",
            d ->
                Cacerts.write(
                    d, PluggedCa.CERT_CHAIN, Pem.certificates(List.of(ROOT.certificate()))),
            PluggedCa.CERT_CHAIN,
            "starts with CN=mesh root"),
        broken(
            "cert-chain.pem with a broken link",
            d ->
                Cacerts.write(
                    d,
                    PluggedCa.CERT_CHAIN,
                    Pem.certificates(
                        List.of(INTERMEDIATE.certificate(), OTHER_INTERMEDIATE.certificate()))),
            PluggedCa.CERT_CHAIN,
            "certificate 1 (CN=istio ca) is not signed by certificate 2 (CN=other ca)"),
        broken(
            "cert-chain.pem ending in a root root-cert.pem lacks",
            d ->
                Cacerts.write(
                    d, PluggedCa.ROOT_CERT, Pem.certificates(List.of(OTHER_ROOT.certificate()))),
            PluggedCa.CERT_CHAIN,
            "ends with the root CN=mesh root, which"),
        broken(
            "cert-chain.pem not reaching a root of root-cert.pem",
            d -> {
              Cacerts.write(
                  d, PluggedCa.CERT_CHAIN, Pem.certificates(List.of(INTERMEDIATE.certificate())));
              Cacerts.write(
                  d, PluggedCa.ROOT_CERT, Pem.certificates(List.of(OTHER_ROOT.certificate())));
            },
            PluggedCa.CERT_CHAIN,
            "is not signed by a root of"),
        broken(
            "cert-chain.pem through a CA that may sign no CA",
            d -> throughRegional(d, Cacerts.Kind.CA_NO_SUBORDINATES),
            PluggedCa.CERT_CHAIN,
            "certificate 2 (CN=regional ca) allows 0 CA certificate(s) below it"),
        broken(
            "cert-chain.pem through a CA that may not sign certificates",
            d -> throughRegional(d, Cacerts.Kind.CA_WITHOUT_CERT_SIGN),
            PluggedCa.CERT_CHAIN,
            "certificate 2 (CN=regional ca) fails PKIX validation against"),
        broken(
            "root-cert.pem holding a private key",
            d ->
                Cacerts.write(
                    d,
                    PluggedCa.ROOT_CERT,
                    Pem.certificates(List.of(ROOT.certificate()))
                        + Pem.privateKey(ROOT.keys().getPrivate())),
            PluggedCa.ROOT_CERT,
            "block 2 is a 'PRIVATE KEY' block (expected: only CERTIFICATE blocks)"),
        broken(
            "root-cert.pem empty",
            d -> Cacerts.write(d, PluggedCa.ROOT_CERT, ""),
            PluggedCa.ROOT_CERT,
            "no PEM block"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenDirectories")
  void brokenFilesAreRefusedWithAMessageNamingTheFile(
      String name, Consumer<Path> breakage, String file, String fault) {
    // given
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    breakage.accept(dir);

    // then
    assertThatThrownBy(() -> start(TTL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasNoCause()
        .hasMessageStartingWith(dir.resolve(file).toString() + ": ")
        .hasMessageContaining(fault)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(keyBase64(INTERMEDIATE)))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(keyBase64(ROOT)))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(keyBase64(OTHER_INTERMEDIATE)));
  }

  @Test
  void noKeyInAnyText() throws Exception {
    // given
    Cacerts.write(dir, INTERMEDIATE, ROOT);
    PluggedCaSource source = start(TTL);
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(GATEWAY));

    // then
    assertThat(source.toString()).contains("CN=istio ca");
    for (String text : List.of(source.toString(), snapshot.toString())) {
      assertThat(text).doesNotContain(keyBase64(INTERMEDIATE)).doesNotContain("PRIVATE KEY");
    }
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> new PluggedCaSettings(dir, "Cluster Local", TTL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trustDomain: 'Cluster Local'");
    assertThatThrownBy(() -> new PluggedCaSettings(dir, DOMAIN, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ttl: PT0S");
    assertThatThrownBy(() -> new PluggedCaSettings(dir, DOMAIN, Duration.ofDays(91)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: PT10M to PT2160H");
    assertThatThrownBy(() -> new PluggedCaSettings(dir, DOMAIN, TTL, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poll: PT0S");
    assertThat(new PluggedCaSettings(dir, DOMAIN, TTL).poll())
        .isEqualTo(PluggedCaSettings.DEFAULT_POLL);
  }

  // ---- helpers

  private PluggedCaSettings settings(Duration ttl) {
    return new PluggedCaSettings(dir, DOMAIN, ttl, NO_POLL);
  }

  private PluggedCaSource start(Duration ttl) {
    return track(PluggedCaSource.start(settings(ttl), clock));
  }

  private PluggedCaSource track(PluggedCaSource source) {
    started.add(source);
    return source;
  }

  /** Files whose chain runs from Istio's CA through a regional CA of {@code kind} to the root. */
  private static void throughRegional(Path directory, Cacerts.Kind kind) {
    Cacerts.Ca regional =
        Cacerts.issued(
            ROOT,
            "regional ca",
            KeyPairs.generate(new SecureRandom()),
            START.minus(Duration.ofDays(1)),
            START.plus(Duration.ofDays(30)),
            kind);
    Cacerts.Ca istio = Cacerts.intermediate(regional, "istio ca", START);
    Cacerts.write(
        directory,
        istio,
        List.of(istio.certificate(), regional.certificate(), ROOT.certificate()),
        List.of(ROOT.certificate()));
  }

  private static Arguments broken(String name, Consumer<Path> breakage, String file, String fault) {
    return Arguments.of(name, breakage, file, fault);
  }

  private static void writeIssued(Path directory, Cacerts.Kind kind) {
    Cacerts.Ca ca =
        Cacerts.issued(
            ROOT,
            "istio ca",
            KeyPairs.generate(new SecureRandom()),
            START.minus(Duration.ofDays(1)),
            START.plus(Duration.ofDays(30)),
            kind);
    Cacerts.write(directory, ca, ROOT);
  }

  private static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String keyBase64(Cacerts.Ca ca) {
    return Base64.getEncoder().encodeToString(ca.keys().getPrivate().getEncoded()).substring(0, 40);
  }

  private static PrivateKey keyOf(IssuedIdentity identity) {
    return Pem.privateKey(identity.keyPem(), "key");
  }

  private static List<String> uriSans(X509Certificate certificate) throws Exception {
    return certificate.getSubjectAlternativeNames().stream()
        .filter(name -> Integer.valueOf(6).equals(name.get(0)))
        .map(name -> (String) name.get(1))
        .toList();
  }

  /** The JDK's PKIX validation of {@code chain} (leaf first) against {@code roots}, no CRLs. */
  private static PKIXCertPathValidatorResult pkix(
      List<X509Certificate> chain, List<X509Certificate> roots, Instant at) throws Exception {
    PKIXParameters parameters =
        new PKIXParameters(
            roots.stream().map(root -> new TrustAnchor(root, null)).collect(Collectors.toSet()));
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(at));
    return (PKIXCertPathValidatorResult)
        CertPathValidator.getInstance("PKIX")
            .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
  }

  /**
   * A TLS handshake on loopback: the server presents {@code server}, trusts {@code roots} and
   * requires a client certificate; the client presents {@code client} and trusts {@code roots}.
   * Returns the URI SAN of the client certificate the server accepted.
   */
  private static String handshake(
      IssuedIdentity server, IssuedIdentity client, List<X509Certificate> roots) throws Exception {
    SSLContext serverContext = context(server, roots);
    SSLContext clientContext = context(client, roots);
    try (SSLServerSocket listening =
        (SSLServerSocket)
            serverContext
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listening.setNeedClientAuth(true);
      CompletableFuture<String> accepted =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket socket = (SSLSocket) listening.accept()) {
                  socket.setSoTimeout(10_000);
                  socket.startHandshake();
                  InputStream in = socket.getInputStream();
                  int ping = in.read();
                  socket.getOutputStream().write(ping);
                  socket.getOutputStream().flush();
                  return uriSans((X509Certificate) socket.getSession().getPeerCertificates()[0])
                      .get(0);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      try (SSLSocket socket =
          (SSLSocket)
              clientContext
                  .getSocketFactory()
                  .createSocket(InetAddress.getLoopbackAddress(), listening.getLocalPort())) {
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        OutputStream out = socket.getOutputStream();
        out.write(42);
        out.flush();
        assertThat(socket.getInputStream().read()).isEqualTo(42);
      }
      return accepted.get(10, TimeUnit.SECONDS);
    }
  }

  private static SSLContext context(IssuedIdentity identity, List<X509Certificate> roots)
      throws Exception {
    char[] password = "test".toCharArray();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "identity",
        keyOf(identity),
        password,
        Pem.certificates(identity.chainPem(), "chain").toArray(X509Certificate[]::new));
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, password);
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    for (int i = 0; i < roots.size(); i++) {
      trusted.setCertificateEntry("root-" + i, roots.get(i));
    }
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
    trustManagers.init(trusted);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
    return context;
  }
}
