package io.meshgate.xds.translate;

import io.meshgate.config.pem.Pem;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.ca.LeafRequest;
import io.meshgate.meshbridge.ca.Purpose;
import io.meshgate.meshbridge.ca.Signing;
import io.meshgate.meshbridge.ca.SubjectName;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import io.meshgate.xds.resolve.MeshIdentities;
import io.meshgate.xds.resolve.MeshSettings;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Mesh identities for translation tests, issued by the real CA code from a fixed secret, fixed
 * times and RFC 6979 signatures: the same bytes on every run, so golden Secrets are stable.
 */
public final class TestIdentities {
  /** When every test certificate starts. */
  public static final Instant NOT_BEFORE = Instant.parse("2026-01-01T00:00:00Z");

  private static final byte[] SECRET =
      "meshgate test identities, never a real secret".getBytes(StandardCharsets.UTF_8);
  private static final CertificateAuthority ROOT =
      CertificateAuthority.selfSigned(
          "meshgate test mesh CA",
          KeyPairs.derive(SECRET, "root"),
          NOT_BEFORE,
          NOT_BEFORE.plus(Duration.ofDays(3650)),
          BigInteger.ONE,
          Signing.DETERMINISTIC);

  private TestIdentities() {}

  /** The test CA, to verify what it issued. */
  public static CertificateAuthority root() {
    return ROOT;
  }

  /**
   * Every identity a config's Envoys present, a snapshot per trust domain: meshgate's (the default)
   * from {@link #root()}, each bridged mesh's from a root of its own ({@link #rootOf}).
   */
  public static Identities forConfig(ConfigSnapshot config) {
    Map<String, Map<SpiffeId, IssuedIdentity>> byDomain = new TreeMap<>();
    byDomain.put(MeshSettings.DEFAULT_TRUST_DOMAIN, new HashMap<>());
    for (SpiffeId id : MeshIdentities.requiredBy(config, MeshSettings.DEFAULTS)) {
      byDomain.computeIfAbsent(id.trustDomain(), d -> new HashMap<>()).put(id, issue(id));
    }
    List<IdentitySnapshot> snapshots = new ArrayList<>();
    byDomain.forEach(
        (domain, issued) ->
            snapshots.add(
                new IdentitySnapshot(
                    Optional.of(
                        new TrustBundle(
                            domain,
                            List.of(Pem.certificates(List.of(rootOf(domain).certificate()))))),
                    issued,
                    Optional.empty())));
    return new Identities(snapshots);
  }

  /** The test CA of a trust domain: {@link #root()} for meshgate's, a derived one for others. */
  public static CertificateAuthority rootOf(String trustDomain) {
    if (trustDomain.equals(MeshSettings.DEFAULT_TRUST_DOMAIN)) {
      return ROOT;
    }
    return CertificateAuthority.selfSigned(
        "meshgate test CA of " + trustDomain,
        KeyPairs.derive(SECRET, "root|" + trustDomain),
        NOT_BEFORE,
        NOT_BEFORE.plus(Duration.ofDays(3650)),
        BigInteger.TWO,
        Signing.DETERMINISTIC);
  }

  /** One identity's certificate and key, valid for a day from {@link #NOT_BEFORE}. */
  public static IssuedIdentity issue(SpiffeId id) {
    return issue(id, NOT_BEFORE);
  }

  /** The same identity issued again, valid for a day from {@code notBefore}: a new key too. */
  public static IssuedIdentity issue(SpiffeId id, Instant notBefore) {
    KeyPair pair = KeyPairs.derive(SECRET, id + "|" + notBefore);
    Instant notAfter = notBefore.plus(Duration.ofDays(1));
    String chain =
        Pem.certificates(
            List.of(
                rootOf(id.trustDomain())
                    .issue(
                        new LeafRequest(
                            // RFC 5280 bounds a common name at 64 characters; Consul's IDs are
                            // longer.
                            id.toString().length() <= 64 ? id.toString() : id.name(),
                            List.of(new SubjectName.Uri(id.uri())),
                            Purpose.CLIENT_AND_SERVER,
                            pair.getPublic(),
                            notBefore,
                            notAfter,
                            new BigInteger(1, id.toString().getBytes(StandardCharsets.UTF_8))
                                .mod(BigInteger.TWO.pow(120))
                                .add(BigInteger.ONE),
                            Signing.DETERMINISTIC))));
    String key = Pem.privateKey(pair.getPrivate());
    return new IssuedIdentity(
        id,
        chain,
        key,
        notBefore,
        notAfter,
        notBefore.plus(Duration.ofHours(16)),
        "test-" + id.name() + "-" + notBefore);
  }
}
