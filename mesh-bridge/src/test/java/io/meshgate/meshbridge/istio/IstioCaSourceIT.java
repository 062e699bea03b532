package io.meshgate.meshbridge.istio;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.IdentitySourceContract;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.ManualClock;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.testkit.IstiodCaDouble;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The identity-source contract and the Istio source's own behaviour, against {@link IstiodCaDouble}
 * over TLS (istiod's rules for tokens and CSRs, real X.509), with one manual clock for the double
 * and the source.
 */
class IstioCaSourceIT extends IdentitySourceContract {
  private static final String NAMESPACE = "edge";
  private static final String ACCOUNT = "gateway";
  private static final SpiffeId ID = SpiffeId.workload("cluster.local", NAMESPACE, ACCOUNT);

  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private final List<AutoCloseable> opened = new ArrayList<>();
  private IstiodCaDouble istiod;
  private Path tokenFile;

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
  }

  // ---- the contract

  @Override
  protected IdentitySource start() throws Exception {
    startIstiod();
    istiod.token("token-gateway", NAMESPACE, ACCOUNT);
    return startSource("token-gateway");
  }

  @Override
  protected SpiffeId idToAskFor(IdentitySource source) {
    return ID;
  }

  @Override
  protected X509Certificate rotate(IdentitySource source) throws Exception {
    IstioCaSource istio = (IstioCaSource) source;
    IssuedIdentity current = istio.snapshotFor(Set.of(ID)).get(ID).orElseThrow();
    String newRoot = istiod.rotateRoot();
    clock.set(current.refreshAt().plusSeconds(1));
    istio.check();
    return Pem.certificates(newRoot, "new root").get(0);
  }

  @Override
  protected Instant now() {
    return clock.instant();
  }

  // ---- Istio's own

  @Test
  void aTokenOfAnotherServiceAccountIsRefusedWithAProblemAndNoIdentity() throws Exception {
    // given
    startIstiod();
    istiod.token("token-other", NAMESPACE, "other");

    // when
    IstioCaSource source = startSource("token-other");

    // then
    IdentitySnapshot snapshot =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> source.snapshotFor(Set.of(ID)), s -> s.problem().isPresent());
    assertThat(snapshot.identities()).isEmpty();
    assertThat(snapshot.problem().orElseThrow().reason())
        .contains("PERMISSION_DENIED")
        .contains(ID.toString())
        .doesNotContain("token-other");
    assertThat(istiod.requests()).isPositive();
  }

  @Test
  void anUnknownTokenIsUnauthenticatedAndTheSourceRetries() throws Exception {
    // given
    startIstiod();

    // when
    IstioCaSource source = startSource("token-nobody-knows");

    // then: refused, and asked again with backoff
    await().atMost(Duration.ofSeconds(30)).until(() -> istiod.requests() >= 3);
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(ID));
    assertThat(snapshot.identities()).isEmpty();
    assertThat(snapshot.problem().orElseThrow().reason()).contains("UNAUTHENTICATED");

    // and: once istiod knows the token, the identity comes
    istiod.token("token-nobody-knows", NAMESPACE, ACCOUNT);
    awaitIdentity(source, ID);
    assertThat(source.snapshotFor(Set.of(ID)).problem()).isEmpty();
  }

  @Test
  void istiodDownKeepsTheIdentityWithAProblemSinceWhenAndRecoveryClearsIt() throws Exception {
    // given
    IstioCaSource source = (IstioCaSource) start();
    IssuedIdentity before = awaitIdentity(source, ID).get(ID).orElseThrow();

    // when: istiod is gone when the certificate is due
    istiod.stop();
    clock.set(before.refreshAt().plusSeconds(1));
    Instant down = clock.instant();
    source.check();

    // then: the same identity, with a problem since the first failure, through later failures
    await().atMost(Duration.ofSeconds(30)).until(() -> source.failuresInARow() >= 1);
    clock.advance(Duration.ofMinutes(5));
    await().atMost(Duration.ofSeconds(30)).until(() -> source.failuresInARow() >= 3);
    IdentitySnapshot failing = source.snapshotFor(Set.of(ID));
    assertThat(failing.get(ID)).contains(before);
    IdentitySnapshot.Problem problem = failing.problem().orElseThrow();
    assertThat(problem.since()).isEqualTo(down);
    assertThat(problem.reason()).contains(istiod.address()).contains("UNAVAILABLE");

    // when: istiod is back
    istiod.start();

    // then: a new certificate and no problem
    IdentitySnapshot recovered =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> source.snapshotFor(Set.of(ID)), s -> s.problem().isEmpty());
    IssuedIdentity after = recovered.get(ID).orElseThrow();
    assertThat(after.fingerprint()).isNotEqualTo(before.fingerprint());
    assertThat(after.notBefore()).isAfterOrEqualTo(down);
  }

  @Test
  void failuresIstiodAnswersAreRetriedUntilItIssues() throws Exception {
    // given
    startIstiod();
    istiod.token("token-gateway", NAMESPACE, ACCOUNT);
    istiod.failNext(Status.UNAVAILABLE.withDescription("istiod is starting"), 3);

    // when
    IstioCaSource source = startSource("token-gateway");

    // then
    IdentitySnapshot snapshot = awaitIdentity(source, ID);
    assertThat(snapshot.problem()).isEmpty();
    assertThat(istiod.requests()).isEqualTo(4);
  }

  @ParameterizedTest
  @EnumSource(IstiodCaDouble.Flaw.class)
  void anAnswerThatIsNotWhatWasAskedForIsNotKept(IstiodCaDouble.Flaw flaw) throws Exception {
    // given
    startIstiod();
    istiod.token("token-gateway", NAMESPACE, ACCOUNT);
    istiod.flawNext(flaw, Integer.MAX_VALUE);

    // when
    IstioCaSource source = startSource("token-gateway");

    // then: not kept, a problem, asked again
    await().atMost(Duration.ofSeconds(30)).until(() -> istiod.requests() >= 2);
    IdentitySnapshot refused = source.snapshotFor(Set.of(ID));
    assertThat(refused.identities()).isEmpty();
    assertThat(refused.bundle()).isEmpty();
    assertThat(refused.problem().orElseThrow().reason()).contains("an unusable answer");

    // when: istiod answers soundly again
    istiod.flawNext(flaw, 0);

    // then
    IdentitySnapshot kept = awaitIdentity(source, ID);
    assertThat(kept.problem()).isEmpty();
    assertThat(chainsTo(leafOf(kept, ID), kept.bundle().orElseThrow())).isTrue();
  }

  @Test
  void theTokenFileIsReadAgainForEveryRequest() throws Exception {
    // given
    IstioCaSource source = (IstioCaSource) start();
    istiod.token("token-rotated", NAMESPACE, ACCOUNT);
    IssuedIdentity first = awaitIdentity(source, ID).get(ID).orElseThrow();

    // when: the token is rotated on disk, then the certificate is due
    Files.writeString(tokenFile, "token-rotated\n");
    clock.set(first.refreshAt().plusSeconds(1));
    source.check();

    // then
    await().atMost(Duration.ofSeconds(30)).until(() -> istiod.requests() >= 2);
    List<IstiodCaDouble.Received> received = istiod.received();
    assertThat(received.get(0).token()).contains("token-gateway");
    assertThat(received.get(1).token()).contains("token-rotated");
    assertThat(received).allSatisfy(r -> assertThat(r.clusterId()).contains("Kubernetes"));
  }

  @Test
  void aChangedRootFileIsTrustedWithoutARestart() throws Exception {
    // given: a root file without the root of istiod's serving certificate
    startIstiod();
    istiod.token("token-gateway", NAMESPACE, ACCOUNT);
    String otherRoot;
    try (IstiodCaDouble other = IstiodCaDouble.builder().clock(clock).start()) {
      otherRoot = other.rootPem();
    }
    IstioCaSource source = startSource("token-gateway", otherRoot);

    // then: istiod is not trusted, so it never sees the token
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> source.snapshotFor(Set.of(ID)).problem().isPresent());
    assertThat(istiod.requests()).isZero();

    // when: the operator adds istiod's root to the file, as for a rotation
    Path caFile = dir.resolve("root-cert.pem");
    Files.writeString(caFile, otherRoot + istiod.rootPem(), US_ASCII);
    Files.setLastModifiedTime(
        caFile, FileTime.fromMillis(Files.getLastModifiedTime(caFile).toMillis() + 2_000));
    source.check();

    // then: the identity comes without a restart, and the bundle holds both roots of the file
    IdentitySnapshot issued = awaitIdentity(source, ID);
    assertThat(issued.bundle().orElseThrow().rootsPem()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(istiod.requests()).isPositive();
  }

  @Test
  void theCsrNamesExactlyTheIdAsItsUriSanWithAP256Key() throws Exception {
    // given
    IstioCaSource source = (IstioCaSource) start();

    // when
    awaitIdentity(source, ID);

    // then
    IstiodCaDouble.Received request = istiod.received().get(0);
    assertThat(request.validitySeconds()).isEqualTo(Duration.ofHours(24).toSeconds());
    JcaPKCS10CertificationRequest csr;
    try (PEMParser parser = new PEMParser(new StringReader(request.csrPem()))) {
      csr = new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parser.readObject());
    }
    List<String> uris = new ArrayList<>();
    List<Integer> otherNames = new ArrayList<>();
    for (var attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      Extensions extensions = Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
      for (GeneralName name :
          GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName).getNames()) {
        if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
          uris.add(name.getName().toString());
        } else {
          otherNames.add(name.getTagNo());
        }
      }
    }
    assertThat(uris).containsExactly(ID.toString());
    assertThat(otherNames).isEmpty();
    ECPublicKey key =
        (ECPublicKey)
            java.security.KeyFactory.getInstance("EC")
                .generatePublic(
                    new java.security.spec.X509EncodedKeySpec(
                        csr.getSubjectPublicKeyInfo().getEncoded()));
    assertThat(key.getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
  }

  @Test
  void itAnswersOnlyForItsOwnIdAndSignsNoCsrs() throws Exception {
    // given
    IstioCaSource source = (IstioCaSource) start();
    awaitIdentity(source, ID);
    SpiffeId neighbour = SpiffeId.workload("cluster.local", NAMESPACE, "neighbour");

    // then
    assertThat(source.snapshotFor(Set.of(neighbour)).identities()).isEmpty();
    assertThat(source.snapshotFor(Set.of(ID, neighbour)).identities().keySet()).containsExactly(ID);
    assertThatThrownBy(() -> source.sign(ID, KeyPairs.generate(new SecureRandom()).getPublic()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aRotatedOutRootStaysUntilTheLastLeafItSignedExpiresAndListenersHearOfItsRetirement()
      throws Exception {
    // given: root 1 (also the CA file's, for istiod's TLS) signs the first leaf; root 2 the
    // second; root 3 the third
    IstioCaSource source = (IstioCaSource) start();
    awaitIdentity(source, ID);
    X509Certificate root1 = Pem.certificates(istiod.rootPem(), "root 1").get(0);
    X509Certificate root2 = rotate(source);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> verifiedBy(leafOf(source.snapshotFor(Set.of(ID)), ID), root2));
    IssuedIdentity second = source.snapshotFor(Set.of(ID)).get(ID).orElseThrow();
    X509Certificate root3 = rotate(source);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> verifiedBy(leafOf(source.snapshotFor(Set.of(ID)), ID), root3));

    // then: root 2 is trusted while its leaf lives
    assertThat(roots(source.bundle().orElseThrow())).containsExactly(root1, root2, root3);

    // when: root 2's only leaf expires
    AtomicInteger changes = new AtomicInteger();
    source.onChange(changes::incrementAndGet);
    clock.set(second.notAfter().plusSeconds(1));
    source.check();

    // then: root 2 is gone, root 1 stays as the CA file's, and listeners were told
    await().atMost(Duration.ofSeconds(30)).until(() -> changes.get() > 0);
    assertThat(roots(source.bundle().orElseThrow())).containsExactly(root1, root3);
    assertThat(source.snapshotFor(Set.of(ID)).problem()).isEmpty();
  }

  // ---- helpers

  private void startIstiod() {
    istiod = IstiodCaDouble.builder().clock(clock).start();
    opened.add(istiod);
  }

  private IstioCaSource startSource(String token) throws Exception {
    return startSource(token, istiod.rootPem());
  }

  /** A source whose root file holds {@code rootPem}. */
  private IstioCaSource startSource(String token, String rootPem) throws Exception {
    Path caFile = dir.resolve("root-cert.pem");
    Files.writeString(caFile, rootPem, US_ASCII);
    tokenFile = dir.resolve("istio-token");
    Files.writeString(tokenFile, token + "\n", US_ASCII);
    IstioCaSource source =
        IstioCaSource.start(
            new IstioCaSettings(
                istiod.address(),
                Optional.of(caFile),
                tokenFile,
                "cluster.local",
                NAMESPACE,
                ACCOUNT,
                Optional.of("Kubernetes"),
                Duration.ofHours(24)),
            clock);
    opened.add(source);
    return source;
  }
}
