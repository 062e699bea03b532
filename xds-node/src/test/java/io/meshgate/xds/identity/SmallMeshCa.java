package io.meshgate.xds.identity;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.ca.LeafRequest;
import io.meshgate.meshbridge.ca.Purpose;
import io.meshgate.meshbridge.ca.Signing;
import io.meshgate.meshbridge.ca.SubjectName;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.SignedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link IdentitySource} made of the real CA code, for tests: roots made on demand, leaves for
 * one hour signed by the newest root, refreshed at two thirds of their life. It starts without a
 * CA; {@link #addRoot()} makes one (a second call is a rotation: both roots are trusted).
 */
public final class SmallMeshCa implements IdentitySource {
  private static final Duration LEAF_LIFE = Duration.ofHours(1);

  private final String trustDomain;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  // Guarded by this.
  private final List<CertificateAuthority> roots = new ArrayList<>();

  public SmallMeshCa(String trustDomain, Clock clock) {
    this.trustDomain = requireNonNull(trustDomain, "trustDomain");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Adds a root that signs from now on, and tells the listeners. */
  public SmallMeshCa addRoot() {
    Instant now = clock.instant();
    CertificateAuthority root =
        CertificateAuthority.selfSigned(
            "meshgate mesh CA " + (roots.size() + 1),
            KeyPairs.generate(random),
            now.minus(Duration.ofMinutes(1)),
            now.plus(Duration.ofDays(30)),
            CertificateAuthority.randomSerial(random),
            Signing.RANDOMIZED);
    synchronized (this) {
      roots.add(root);
    }
    listeners.forEach(Runnable::run);
    return this;
  }

  @Override
  public Optional<String> trustDomain() {
    return Optional.of(trustDomain);
  }

  @Override
  public IdentitySnapshot snapshotFor(Set<SpiffeId> ids) {
    return new IdentitySnapshot(bundle(), Map.of(), Optional.empty());
  }

  @Override
  public synchronized SignedIdentity sign(SpiffeId id, PublicKey publicKey) {
    if (roots.isEmpty()) {
      throw new IllegalStateException("no CA yet");
    }
    Instant now = clock.instant();
    CertificateAuthority signer = roots.get(roots.size() - 1);
    String chain =
        Pem.certificates(
            List.of(
                signer.issue(
                    new LeafRequest(
                        id.name(),
                        List.of(new SubjectName.Uri(id.uri())),
                        Purpose.CLIENT_AND_SERVER,
                        publicKey,
                        now.minus(Duration.ofMinutes(1)),
                        now.plus(LEAF_LIFE),
                        CertificateAuthority.randomSerial(random),
                        Signing.RANDOMIZED))));
    return new SignedIdentity(
        id,
        chain,
        bundle().orElseThrow(),
        now.plus(LEAF_LIFE),
        now.plus(LEAF_LIFE.multipliedBy(2).dividedBy(3)));
  }

  @Override
  public synchronized Optional<TrustBundle> bundle() {
    if (roots.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new TrustBundle(
            trustDomain,
            roots.stream().map(r -> Pem.certificates(List.of(r.certificate()))).toList()));
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  @Override
  public void close() {}
}
