package io.meshgate.meshbridge.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.pem.Pem;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link IdentitySource} promises, whichever CA is behind it (meshgate's mesh CA, Consul
 * Connect's, istiod's, an Istio mesh's plugged-in intermediate): a leaf for exactly the IDs asked
 * for, whose key is its own and whose chain (with any intermediates it carries) verifies against
 * the bundle the same snapshot carries; nothing for another trust domain; no key in any text; and
 * through a root rotation in the CA, both roots trusted while the leaf moves to the new one, with
 * listeners told. Each implementation's test extends this class and says how to start its source,
 * which ID to ask for and how to rotate its CA.
 */
public abstract class IdentitySourceContract {
  private IdentitySource source;

  /** Starts the source under test against a CA that has a root. */
  protected abstract IdentitySource start() throws Exception;

  /** The ID the source issues for the workload under test (the gateway). */
  protected abstract SpiffeId idToAskFor(IdentitySource source);

  /**
   * Starts a root rotation in the source's CA and lets the CA's time pass until leaves come from
   * the new root.
   *
   * @return the new root
   */
  protected abstract X509Certificate rotate(IdentitySource source) throws Exception;

  /** The source's clock now: certificates must be valid at it. */
  protected abstract Instant now();

  @AfterEach
  void closeSource() {
    if (source != null) {
      source.close();
    }
  }

  @Test
  public void aLeafForTheIdAskedForWithItsOwnKeyAndAChainToTheBundle() throws Exception {
    // given
    IdentitySource started = started();
    SpiffeId id = idToAskFor(started);

    // when
    IdentitySnapshot snapshot = awaitIdentity(started, id);

    // then
    IssuedIdentity identity = snapshot.get(id).orElseThrow();
    X509Certificate leaf = Pem.certificates(identity.chainPem(), "chain").get(0);
    assertThat(uriSans(leaf)).containsExactly(id.toString());
    assertThat(keyBelongsTo(Pem.privateKey(identity.keyPem(), "key"), leaf)).isTrue();
    assertThat(chainReaches(chainOf(snapshot, id), snapshot.bundle().orElseThrow())).isTrue();
    assertThat(leaf.getNotBefore().toInstant()).isBeforeOrEqualTo(now());
    assertThat(leaf.getNotAfter().toInstant()).isAfter(now());
    assertThat(identity.notAfter()).isEqualTo(leaf.getNotAfter().toInstant());
    assertThat(identity.refreshAt()).isAfter(identity.notBefore()).isBefore(identity.notAfter());
    assertThat(snapshot.bundle().orElseThrow().trustDomain()).isEqualTo(id.trustDomain());
    assertThat(started.trustDomain()).contains(id.trustDomain());
    assertThat(snapshot.problem()).isEmpty();
  }

  @Test
  public void nothingForAnIdOfAnotherTrustDomain() throws Exception {
    // given
    IdentitySource started = started();
    SpiffeId id = idToAskFor(started);
    awaitIdentity(started, id);
    SpiffeId stranger = new SpiffeId("elsewhere.example", id.path());

    // when
    IdentitySnapshot snapshot = started.snapshotFor(Set.of(stranger));

    // then
    assertThat(snapshot.identities()).isEmpty();
    assertThat(snapshot.bundle()).isPresent();
  }

  @Test
  public void noPrivateKeyInAnyText() throws Exception {
    // given
    IdentitySource started = started();
    SpiffeId id = idToAskFor(started);
    IdentitySnapshot snapshot = awaitIdentity(started, id);
    IssuedIdentity identity = snapshot.get(id).orElseThrow();
    String keyBase64 =
        Base64.getEncoder()
            .encodeToString(Pem.privateKey(identity.keyPem(), "key").getEncoded())
            .substring(0, 40);

    // then
    for (String text : List.of(snapshot.toString(), identity.toString(), started.toString())) {
      assertThat(text).doesNotContain(keyBase64).doesNotContain("PRIVATE KEY");
    }
  }

  @Test
  public void aRootRotationTrustsBothRootsAndMovesTheLeafToTheNewOne() throws Exception {
    // given
    IdentitySource started = started();
    SpiffeId id = idToAskFor(started);
    X509Certificate before = leafOf(awaitIdentity(started, id), id);
    List<X509Certificate> oldRoots = roots(started.bundle().orElseThrow());
    AtomicInteger changes = new AtomicInteger();
    started.onChange(changes::incrementAndGet);

    // when
    X509Certificate newRoot = rotate(started);

    // then: listeners heard of it; the bundle holds the old roots and the new; the leaf is new,
    // from the new root, and still verifies against the bundle
    await().atMost(Duration.ofSeconds(30)).until(() -> changes.get() > 0);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              IdentitySnapshot now = started.snapshotFor(Set.of(id));
              return now.get(id).isPresent() && chainVerifiedBy(chainOf(now, id), newRoot);
            });
    IdentitySnapshot after = started.snapshotFor(Set.of(id));
    X509Certificate leaf = leafOf(after, id);
    assertThat(leaf.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
    assertThat(roots(after.bundle().orElseThrow())).containsAll(oldRoots).contains(newRoot);
    assertThat(chainReaches(chainOf(after, id), after.bundle().orElseThrow())).isTrue();
  }

  // ---- helpers

  private IdentitySource started() throws Exception {
    source = start();
    return source;
  }

  /** Waits until the source answers for {@code id}, as a build would ask again after a change. */
  protected static IdentitySnapshot awaitIdentity(IdentitySource source, SpiffeId id) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> source.snapshotFor(Set.of(id)), snapshot -> snapshot.get(id).isPresent());
  }

  protected static X509Certificate leafOf(IdentitySnapshot snapshot, SpiffeId id) {
    return Pem.certificates(snapshot.get(id).orElseThrow().chainPem(), "chain").get(0);
  }

  /** The chain served for {@code id}: the leaf, then any intermediates up to the root. */
  protected static List<X509Certificate> chainOf(IdentitySnapshot snapshot, SpiffeId id) {
    return Pem.certificates(snapshot.get(id).orElseThrow().chainPem(), "chain");
  }

  /** Whether each certificate of {@code chain} is signed by the next and the last by a root. */
  protected static boolean chainReaches(List<X509Certificate> chain, TrustBundle bundle) {
    return roots(bundle).stream().anyMatch(root -> chainVerifiedBy(chain, root));
  }

  /**
   * Whether {@code chain} (leaf first) reaches {@code root} as a path builder would: a leaf signed
   * by the root itself, or through the intermediates the chain carries (a plugged-in Istio CA),
   * each signed by the next, up to the first one the root signed.
   */
  protected static boolean chainVerifiedBy(List<X509Certificate> chain, X509Certificate root) {
    for (int i = 0; i < chain.size(); i++) {
      if (verifiedBy(chain.get(i), root)) {
        return true;
      }
      if (i + 1 == chain.size() || !verifiedBy(chain.get(i), chain.get(i + 1))) {
        return false;
      }
    }
    return false;
  }

  protected static List<X509Certificate> roots(TrustBundle bundle) {
    return Pem.certificates(bundle.pem(), "bundle");
  }

  protected static boolean chainsTo(X509Certificate leaf, TrustBundle bundle) {
    return roots(bundle).stream().anyMatch(root -> verifiedBy(leaf, root));
  }

  protected static boolean verifiedBy(X509Certificate leaf, X509Certificate root) {
    try {
      leaf.verify(root.getPublicKey());
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  protected static List<String> uriSans(X509Certificate certificate) throws Exception {
    return certificate.getSubjectAlternativeNames().stream()
        .filter(name -> Integer.valueOf(6).equals(name.get(0)))
        .map(name -> (String) name.get(1))
        .toList();
  }

  private static boolean keyBelongsTo(PrivateKey key, X509Certificate certificate)
      throws Exception {
    byte[] probe = "contract".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(probe);
    return verifier.verify(signature);
  }
}
