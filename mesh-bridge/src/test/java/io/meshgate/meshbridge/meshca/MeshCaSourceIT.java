package io.meshgate.meshbridge.meshca;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.meshgate.config.pem.Pem;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.ManualClock;
import io.meshgate.meshbridge.identity.SignedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import io.meshgate.testkit.EtcdCluster;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The mesh CA as replicas run it: a real etcd, sources on a manual clock. */
class MeshCaSourceIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final String DOMAIN = "shop.example";
  private static final Duration TTL = Duration.ofHours(24);
  private static final Duration PERIOD = Duration.ofHours(16);
  private static final SpiffeId ORDERS = SpiffeId.workload(DOMAIN, "shop", "orders");
  private static final SpiffeId PAYMENTS = SpiffeId.workload(DOMAIN, "shop", "payments");
  private static final SpiffeId STRANGER = SpiffeId.workload("other.example", "shop", "orders");

  private static Sealer sealer;
  private static Unsealer unsealer;

  private final List<MeshCaSource> sources = new ArrayList<>();
  private final List<ScheduledExecutorService> schedulers = new ArrayList<>();
  private Client client;
  private ManualClock clock;
  private MeshCaRoots roots;

  @BeforeAll
  static void sealKeys() {
    SealKeyPair seal = SealKeyPair.generate();
    sealer = new Sealer(seal.publicKey());
    unsealer = new Unsealer(seal.privateKey());
  }

  @BeforeEach
  void emptyKeyspace() throws Exception {
    client = etcd.client();
    client
        .getKVClient()
        .delete(ByteSequence.from(Keyspace.MESH_CA_ROOTS, UTF_8))
        .get(10, TimeUnit.SECONDS);
    clock = new ManualClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    roots = new MeshCaRoots(client, DOMAIN, clock);
  }

  @AfterEach
  void close() {
    sources.forEach(MeshCaSource::close);
    schedulers.forEach(ScheduledExecutorService::shutdownNow);
  }

  @Test
  void twoReplicasServeByteIdenticalIdentities() {
    // given
    roots.ensureInitialized(sealer);
    MeshCaSource a = source(unsealer);
    MeshCaSource b = source(unsealer);

    // when
    IdentitySnapshot fromA = a.snapshotFor(Set.of(ORDERS, PAYMENTS, STRANGER));
    IdentitySnapshot fromB = b.snapshotFor(Set.of(ORDERS, PAYMENTS));

    // then
    assertThat(fromA).isEqualTo(fromB);
    assertThat(fromA.identities().keySet()).containsExactlyInAnyOrder(ORDERS, PAYMENTS);
    assertThat(fromA.get(ORDERS).orElseThrow().chainPem())
        .isEqualTo(fromB.get(ORDERS).orElseThrow().chainPem());
    assertThat(fromA.get(ORDERS).orElseThrow().keyPem())
        .isEqualTo(fromB.get(ORDERS).orElseThrow().keyPem());
    assertThat(fromA.get(ORDERS).orElseThrow().fingerprint())
        .isNotEqualTo(fromA.get(PAYMENTS).orElseThrow().fingerprint());
    assertThat(fromA.problem()).isEmpty();
    assertThat(a.snapshotFor(Set.of(ORDERS, PAYMENTS))).isEqualTo(fromA);
  }

  @Test
  void aLeafCarriesTheSpiffeIdOnlyAndVerifiesAgainstTheBundle() throws Exception {
    // given
    roots.ensureInitialized(sealer);
    MeshCaSource source = source(unsealer);

    // when
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(ORDERS));

    // then
    IssuedIdentity orders = snapshot.get(ORDERS).orElseThrow();
    X509Certificate leaf = leaf(orders.chainPem());
    assertThat(Pem.certificates(orders.chainPem(), "chain")).hasSize(1);
    List<String> names =
        leaf.getSubjectAlternativeNames().stream()
            .map(name -> String.valueOf(name.get(1)))
            .toList();
    assertThat(names).containsExactly(ORDERS.toString());
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(orders.notBefore()).isEqualTo(leaf.getNotBefore().toInstant());
    assertThat(orders.notAfter()).isEqualTo(leaf.getNotAfter().toInstant());
    Instant windowStart = orders.notBefore().plus(MeshCaSettings.BACKDATE);
    assertThat(Duration.between(windowStart, orders.notAfter())).isEqualTo(TTL);
    assertThat(Duration.between(windowStart, orders.refreshAt())).isEqualTo(PERIOD);
    assertThat(windowStart).isBeforeOrEqualTo(clock.instant());
    assertThat(orders.refreshAt()).isAfter(clock.instant());
    assertThat(keyMatches(orders.keyPem(), leaf)).isTrue();
    assertVerifies(leaf, snapshot.bundle().orElseThrow(), clock.instant());
    assertThat(snapshot.bundle().orElseThrow().secretName()).isEqualTo("spiffe://" + DOMAIN);
  }

  @Test
  void aLeafIsRefreshedAtTwoThirdsOfItsLifeWithANewCertificate() {
    // given
    roots.ensureInitialized(sealer);
    MeshCaSource source = source(unsealer);
    AtomicInteger changes = new AtomicInteger();
    source.onChange(changes::incrementAndGet);
    IssuedIdentity first = source.snapshotFor(Set.of(ORDERS)).get(ORDERS).orElseThrow();
    source.check();
    int before = changes.get();

    // when: just before the refresh
    clock.set(first.refreshAt().minusSeconds(1));
    source.check();

    // then: nothing changes
    assertThat(changes.get()).isEqualTo(before);
    assertThat(source.snapshotFor(Set.of(ORDERS)).get(ORDERS)).contains(first);

    // when: at the refresh
    clock.set(first.refreshAt());
    source.check();

    // then: listeners are told, and a new certificate starts where the old one was refreshed
    assertThat(changes.get()).isEqualTo(before + 1);
    IssuedIdentity second = source.snapshotFor(Set.of(ORDERS)).get(ORDERS).orElseThrow();
    assertThat(second.fingerprint()).isNotEqualTo(first.fingerprint());
    assertThat(second.notBefore()).isEqualTo(first.refreshAt().minus(MeshCaSettings.BACKDATE));
    assertThat(second.refreshAt()).isEqualTo(first.refreshAt().plus(PERIOD));
    assertThat(leaf(second.chainPem()).getSerialNumber())
        .isNotEqualTo(leaf(first.chainPem()).getSerialNumber());
  }

  @Test
  void aRotationOverlapsTheRootsAndSwitchesLeavesOnlyAfterPropagation() throws Exception {
    // given
    MeshCaRoot old = roots.ensureInitialized(sealer).get(0);
    MeshCaSource source = source(unsealer);
    AtomicInteger changes = new AtomicInteger();
    source.onChange(changes::incrementAndGet);
    source.snapshotFor(Set.of(ORDERS, PAYMENTS));
    clock.advance(Duration.ofHours(1));
    source.check();
    int before = changes.get();

    // when
    MeshCaRoot fresh = roots.rotate(sealer, Duration.ofHours(1));

    // then: the listener hears of it, the bundle holds both at once, leaves still come from the old
    await().atMost(Duration.ofSeconds(10)).until(() -> changes.get() > before);
    assertThat(bundleIds(source)).containsExactly(old.id(), fresh.id());
    assertSignedBy(source.snapshotFor(Set.of(ORDERS, PAYMENTS)), old);

    // when: the new root starts signing
    int atSwitch = changes.get();
    clock.set(fresh.signsFrom());
    source.check();

    // then: listeners are told; a leaf switches only when its window starts after that
    assertThat(changes.get()).isGreaterThan(atSwitch);
    IdentitySnapshot atSignsFrom = source.snapshotFor(Set.of(ORDERS, PAYMENTS));
    for (IssuedIdentity identity : atSignsFrom.identities().values()) {
      Instant windowStart = identity.notBefore().plus(MeshCaSettings.BACKDATE);
      assertThat(signedBy(identity, windowStart.isBefore(fresh.signsFrom()) ? old : fresh))
          .isTrue();
      assertVerifies(
          leaf(identity.chainPem()), atSignsFrom.bundle().orElseThrow(), clock.instant());
    }

    // when: every leaf has been renewed since
    clock.set(fresh.signsFrom().plus(PERIOD));
    source.check();

    // then: all from the new root, the old one still trusted for its last leaves
    IdentitySnapshot renewed = source.snapshotFor(Set.of(ORDERS, PAYMENTS));
    assertSignedBy(renewed, fresh);
    assertThat(bundleIds(source)).containsExactly(old.id(), fresh.id());
    for (IssuedIdentity identity : renewed.identities().values()) {
      assertVerifies(leaf(identity.chainPem()), renewed.bundle().orElseThrow(), clock.instant());
    }

    // when: the last leaf the old root signed has expired
    Instant oldRetires = fresh.signsFrom().plus(TTL).plus(MeshCaSettings.BACKDATE);
    int beforeRetirement = changes.get();
    clock.set(oldRetires);
    source.check();

    // then
    assertThat(changes.get()).isGreaterThan(beforeRetirement);
    assertThat(bundleIds(source)).containsExactly(fresh.id());
    assertThat(source.roots().state(old, clock.instant())).isEqualTo(RootState.RETIRED);
  }

  @Test
  void aWorkloadThatKeepsItsKeyGetsARandomizedCertificateFromTheSigningRoot() throws Exception {
    // given
    roots.ensureInitialized(sealer);
    MeshCaSource source = source(unsealer);
    KeyPair workload = KeyPairs.generate(new SecureRandom());

    // when
    SignedIdentity one = source.sign(ORDERS, workload.getPublic());
    SignedIdentity two = source.sign(ORDERS, workload.getPublic());

    // then
    X509Certificate leaf = leaf(one.chainPem());
    assertThat(leaf.getPublicKey()).isEqualTo(workload.getPublic());
    assertThat(leaf.getSerialNumber()).isNotEqualTo(leaf(two.chainPem()).getSerialNumber());
    assertThat(one.notAfter()).isEqualTo(clock.instant().plus(TTL));
    assertThat(one.refreshAt()).isEqualTo(clock.instant().plus(PERIOD));
    assertVerifies(leaf, one.bundle(), clock.instant());
    assertThatThrownBy(() -> source.sign(STRANGER, workload.getPublic()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trust domain " + DOMAIN);
  }

  @Test
  void aRootSealedForAnotherSealKeyMakesTheSourceUnavailableWithAReason() {
    // given
    SealKeyPair other = SealKeyPair.generate();
    MeshCaRoot root = roots.ensureInitialized(new Sealer(other.publicKey())).get(0);
    MeshCaSource source = source(unsealer);

    // when
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(ORDERS));

    // then
    assertThat(snapshot.identities()).isEmpty();
    assertThat(snapshot.bundle()).isEmpty();
    assertThat(snapshot.problem().orElseThrow().reason())
        .contains("mesh CA root " + root.id())
        .contains("cannot be opened with seal key " + unsealer.keyId())
        .contains("MESHGATE_SEAL_KEY")
        .contains(root.sealedKey().keyId());
    assertThatThrownBy(() -> source.sign(ORDERS, KeyPairs.generate(new SecureRandom()).getPublic()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mesh CA root " + root.id());
  }

  @Test
  void noRootMeansUnavailableUntilOneIsCreated() {
    // given
    MeshCaSource source = source(unsealer);
    assertThat(source.snapshotFor(Set.of(ORDERS)).problem().orElseThrow().reason())
        .contains("no mesh CA root in etcd at " + Keyspace.MESH_CA_ROOTS);

    // when
    roots.ensureInitialized(sealer);

    // then
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> source.snapshotFor(Set.of(ORDERS)).get(ORDERS).isPresent());
  }

  @Test
  void noPrivateKeyIsEverPrinted() {
    // given
    roots.ensureInitialized(sealer);
    MeshCaSource source = source(unsealer);

    // when
    IdentitySnapshot snapshot = source.snapshotFor(Set.of(ORDERS));
    IssuedIdentity orders = snapshot.get(ORDERS).orElseThrow();
    String keyBody =
        Base64.getEncoder()
            .encodeToString(Pem.privateKey(orders.keyPem(), "key").getEncoded())
            .substring(40, 80);

    // then
    for (String printed :
        List.of(
            snapshot.toString(),
            orders.toString(),
            source.toString(),
            source.roots().toString(),
            roots.read().toString())) {
      assertThat(printed).doesNotContain("PRIVATE KEY").doesNotContain(keyBody);
    }
  }

  // ---- helpers

  private MeshCaSource source(Unsealer replicaUnsealer) {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    schedulers.add(scheduler);
    MeshCaSource source =
        MeshCaSource.open(
            etcd.newClient(), replicaUnsealer, new MeshCaSettings(DOMAIN, TTL), clock, scheduler);
    sources.add(source);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !source.snapshotFor(Set.of()).equals(IdentitySnapshot.empty()));
    return source;
  }

  private static List<String> bundleIds(MeshCaSource source) {
    return source.bundle().orElseThrow().rootsPem().stream()
        .map(pem -> MeshCaRoot.idOf(Pem.certificates(pem, "root").get(0)))
        .collect(Collectors.toList());
  }

  private static void assertSignedBy(IdentitySnapshot snapshot, MeshCaRoot root) {
    assertThat(snapshot.identities()).isNotEmpty();
    for (IssuedIdentity identity : snapshot.identities().values()) {
      assertThat(signedBy(identity, root)).as(identity + " signed by " + root.id()).isTrue();
    }
  }

  private static boolean signedBy(IssuedIdentity identity, MeshCaRoot root) {
    try {
      leaf(identity.chainPem()).verify(root.certificate().getPublicKey());
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static X509Certificate leaf(String chainPem) {
    return Pem.certificates(chainPem, "chain").get(0);
  }

  /** The JDK's PKIX validator, with the bundle's roots as the only anchors. */
  private static void assertVerifies(X509Certificate leaf, TrustBundle bundle, Instant at)
      throws Exception {
    Set<TrustAnchor> anchors =
        bundle.rootsPem().stream()
            .map(pem -> new TrustAnchor(Pem.certificates(pem, "root").get(0), null))
            .collect(Collectors.toSet());
    PKIXParameters parameters = new PKIXParameters(anchors);
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(at));
    CertPathValidator.getInstance("PKIX")
        .validate(
            CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
  }

  private static boolean keyMatches(String keyPem, X509Certificate leaf) throws Exception {
    PrivateKey key = Pem.privateKey(keyPem, "key");
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(new byte[] {1, 2, 3});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(leaf.getPublicKey());
    verifier.update(new byte[] {1, 2, 3});
    return verifier.verify(signature);
  }
}
