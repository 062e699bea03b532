package io.meshgate.meshbridge.meshca;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import io.meshgate.meshbridge.identity.ManualClock;
import io.meshgate.testkit.EtcdCluster;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The mesh CA's roots in a real etcd: created once, rotated under guard. */
class MeshCaRootsIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static Sealer sealer;
  private static Unsealer unsealer;

  private Client client;
  private ManualClock clock;
  private MeshCaRoots roots;

  @BeforeAll
  static void sealKeys() {
    // One pair for the class: RSA-4096 generation is slow.
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
    roots = new MeshCaRoots(client, "shop.example", clock);
  }

  @Test
  void twoReplicasRacingToInitializeEndWithOneRoot() throws Exception {
    // given
    MeshCaRoots other = new MeshCaRoots(etcd.newClient(), "shop.example", clock);
    CountDownLatch start = new CountDownLatch(1);

    // when
    CompletableFuture<List<MeshCaRoot>> a =
        CompletableFuture.supplyAsync(
            () -> awaitThen(start, () -> roots.ensureInitialized(sealer)));
    CompletableFuture<List<MeshCaRoot>> b =
        CompletableFuture.supplyAsync(
            () -> awaitThen(start, () -> other.ensureInitialized(sealer)));
    start.countDown();

    // then
    List<MeshCaRoot> fromA = a.get(30, TimeUnit.SECONDS);
    List<MeshCaRoot> fromB = b.get(30, TimeUnit.SECONDS);
    List<MeshCaRoot> stored = roots.read();
    assertThat(fromA).isEqualTo(fromB);
    assertThat(stored).hasSize(1).isEqualTo(fromA);
    assertThat(roots.ensureInitialized(sealer)).isEqualTo(stored);
  }

  @Test
  void theFirstRootIsASelfSignedP256RootForTenYearsWhoseKeyIsStoredSealedOnly() throws Exception {
    // when
    MeshCaRoot root = roots.ensureInitialized(sealer).get(0);

    // then
    X509Certificate certificate = root.certificate();
    assertThat(certificate.getSubjectX500Principal().getName())
        .isEqualTo("CN=meshgate mesh CA shop.example");
    assertThat(certificate.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(
            ((ECPublicKey) certificate.getPublicKey())
                .getParams()
                .getCurve()
                .getField()
                .getFieldSize())
        .isEqualTo(256);
    assertThat(certificate.getNotAfter().toInstant())
        .isEqualTo(clock.instant().plus(Duration.ofDays(3650)));
    certificate.verify(certificate.getPublicKey());
    assertThat(root.created()).isEqualTo(clock.instant());
    assertThat(root.signsFrom()).isEqualTo(root.created());
    CertificateAuthority ca = root.open(unsealer);
    assertThat(ca.certificate()).isEqualTo(certificate);
    String stored =
        client
            .getKVClient()
            .get(ByteSequence.from(Keyspace.MESH_CA_ROOTS, UTF_8))
            .get(10, TimeUnit.SECONDS)
            .getKvs()
            .get(0)
            .getValue()
            .toString(UTF_8);
    assertThat(stored).contains("\"sealedKey\":{").doesNotContain("PRIVATE KEY");
    assertThat(root.toString()).contains(root.id()).doesNotContain("PRIVATE", "wrappedKey");
  }

  @Test
  void aRotationIsRefusedWhileThePreviousRotationsRootDoesNotSignYet() {
    // given
    MeshCaRoot first = roots.ensureInitialized(sealer).get(0);
    MeshCaRoot second = roots.rotate(sealer, Duration.ofMinutes(5));

    // then
    assertThat(second.created()).isEqualTo(clock.instant());
    assertThat(second.signsFrom()).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
    assertThatThrownBy(() -> roots.rotate(sealer, Duration.ofMinutes(5)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("root " + second.id())
        .hasMessageContaining("signs only from " + second.signsFrom());
    assertThat(roots.read()).containsExactly(first, second);

    // when: the new root signs
    clock.advance(Duration.ofMinutes(5));
    MeshCaRoot third = roots.rotate(sealer, Duration.ZERO);

    // then
    assertThat(roots.read()).containsExactly(first, second, third);
  }

  @Test
  void aRotationFailsWithoutWritingIfTheRootsChangedMeanwhile() {
    // given
    MeshCaRoot first = roots.ensureInitialized(sealer).get(0);
    MeshCaRoots operator = new MeshCaRoots(client, "shop.example", clock);
    MeshCaRoot[] between = new MeshCaRoot[1];

    // when: another rotation commits between this one's read and its write
    assertThatThrownBy(
            () ->
                roots.rotate(
                    sealer,
                    Duration.ZERO,
                    () -> between[0] = operator.rotate(sealer, Duration.ZERO)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("changed in etcd during the rotation; nothing was written");

    // then
    assertThat(roots.read()).containsExactly(first, between[0]);
  }

  @Test
  void aRotationNeedsAFirstRoot() {
    assertThatThrownBy(() -> roots.rotate(sealer, Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no mesh CA root at " + Keyspace.MESH_CA_ROOTS);
  }

  private static <T> T awaitThen(CountDownLatch start, java.util.function.Supplier<T> action) {
    try {
      start.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return action.get();
  }
}
