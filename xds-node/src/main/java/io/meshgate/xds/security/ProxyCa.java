package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.ca.LeafRequest;
import io.meshgate.meshbridge.ca.Purpose;
import io.meshgate.meshbridge.ca.Signing;
import io.meshgate.meshbridge.ca.SubjectName;
import io.meshgate.xds.security.KeyFiles.Access;
import io.meshgate.xds.security.KeyFiles.NewFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * The control plane's CA for proxies: it issues client certificates whose SPIFFE URI names a proxy
 * group ({@link Spiffe}), and the xDS server's certificate. It decides names, windows and serials;
 * a {@link CertificateAuthority} checks and signs. Its key lives in {@value #KEY_FILE} and nowhere
 * else; {@link #toString} never shows it.
 *
 * <p>Time comes from the {@link Clock} given at {@link #init(Path, Clock)} or {@link #load(Path,
 * Clock)}; every certificate starts {@link #BACKDATE} before now so that a peer whose clock is a
 * little behind still accepts it.
 */
public final class ProxyCa {
  public static final String CERT_FILE = "ca.crt";
  public static final String KEY_FILE = "ca.key";
  public static final String COMMON_NAME = "meshgate proxy CA";

  /** How long a CA made by {@link #init} is valid. */
  public static final int VALIDITY_YEARS = 10;

  /** How far before now every certificate starts: tolerance for peers with slow clocks. */
  public static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final Integer URI_NAME = GeneralName.uniformResourceIdentifier;

  private final CertificateAuthority authority;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private ProxyCa(CertificateAuthority authority, Clock clock) {
    this.authority = authority;
    this.clock = clock;
  }

  /** {@link #init(Path, Clock)} with the system clock. */
  public static ProxyCa init(Path dir) throws IOException {
    return init(dir, Clock.systemUTC());
  }

  /**
   * Creates a new CA and writes {@value #CERT_FILE} and {@value #KEY_FILE} (PKCS#8, 0600 from
   * creation on where the file system has POSIX permissions) into {@code dir}, creating it if
   * needed. Never overwrites: a new CA key would orphan every certificate the old one issued.
   */
  public static ProxyCa init(Path dir, Clock clock) throws IOException {
    requireNonNull(dir, "dir");
    requireNonNull(clock, "clock");
    SecureRandom random = new SecureRandom();
    KeyPair pair = KeyPairs.generate(random);
    Instant now = now(clock);
    CertificateAuthority authority =
        CertificateAuthority.selfSigned(
            COMMON_NAME,
            pair,
            now.minus(BACKDATE),
            now.atOffset(ZoneOffset.UTC).plusYears(VALIDITY_YEARS).toInstant(),
            CertificateAuthority.randomSerial(random),
            Signing.RANDOMIZED);
    KeyFiles.createAll(
        dir,
        List.of(
            NewFile.pem(
                dir.resolve(KEY_FILE), Pem.privateKey(pair.getPrivate()), Access.OWNER_ONLY),
            NewFile.pem(
                dir.resolve(CERT_FILE),
                Pem.certificates(List.of(authority.certificate())),
                Access.DEFAULT)));
    return new ProxyCa(authority, clock);
  }

  /** {@link #load(Path, Clock)} with the system clock. */
  public static ProxyCa load(Path dir) throws IOException {
    return load(dir, Clock.systemUTC());
  }

  /**
   * Reads a CA that {@link #init} wrote: the first certificate of {@value #CERT_FILE} and the key
   * in {@value #KEY_FILE}, which must belong together.
   */
  public static ProxyCa load(Path dir, Clock clock) throws IOException {
    requireNonNull(dir, "dir");
    requireNonNull(clock, "clock");
    Path certFile = dir.resolve(CERT_FILE);
    Path keyFile = dir.resolve(KEY_FILE);
    X509Certificate certificate = readCertificates(certFile).get(0);
    // Checked before CertificateAuthority.of, which checks it too, so that each error names its
    // file.
    if (certificate.getBasicConstraints() < 0) {
      throw new IOException(
          certFile + ": " + certificate.getSubjectX500Principal() + " is not a CA certificate");
    }
    PrivateKey privateKey = readPrivateKey(keyFile);
    try {
      return new ProxyCa(CertificateAuthority.of(certificate, privateKey), clock);
    } catch (IllegalArgumentException e) {
      throw new IOException(keyFile + ": not the key of the certificate in " + certFile, e);
    }
  }

  /** The CA's own certificate: the trust anchor for both sides of the xDS connection. */
  public X509Certificate certificate() {
    return authority.certificate();
  }

  /**
   * A client certificate for a proxy of {@code group}: URI SAN {@code Spiffe.forGroup(group)}, CN
   * the group, extended key usage clientAuth, valid from {@link #BACKDATE} before now for {@code
   * ttl}. The key pair is new.
   */
  public IssuedCertificate issueClient(String group, Duration ttl) {
    SubjectName spiffeId = new SubjectName.Uri(Spiffe.forGroup(group));
    return issue(group, List.of(spiffeId), Purpose.CLIENT, ttl);
  }

  /**
   * A certificate for the xDS server: DNS and IP SANs, extended key usage serverAuth, CN the first
   * name. At least one name or address is needed.
   */
  public IssuedCertificate issueServer(
      List<String> dnsNames, List<String> ipAddresses, Duration ttl) {
    List<SubjectName> names = new ArrayList<>();
    for (String dnsName : List.copyOf(dnsNames)) {
      names.add(new SubjectName.Dns(dnsName));
    }
    for (String ipAddress : List.copyOf(ipAddresses)) {
      names.add(new SubjectName.Ip(ipAddress));
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException(
          "dnsNames, ipAddresses: none (expected: at least one name or address)");
    }
    String first = dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0);
    return issue(first, names, Purpose.SERVER, ttl);
  }

  /**
   * A PEM file's certificates, in file order: a {@code tls.crt} chain or a {@code ca.crt}.
   *
   * @throws IOException if the file cannot be read or holds no certificate
   */
  public static List<X509Certificate> readCertificates(Path file) throws IOException {
    requireNonNull(file, "file");
    String text = Pem.text(Files.readAllBytes(file));
    try {
      return Pem.certificates(text, file.toString());
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * The one private key of a PEM file: PKCS#8, or the traditional EC and RSA forms.
   *
   * @throws IOException if the file cannot be read, or holds no key, two keys or an encrypted key
   */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    requireNonNull(file, "file");
    String text = Pem.text(Files.readAllBytes(file));
    try {
      return Pem.privateKey(text, file.toString());
    } catch (IllegalArgumentException e) {
      // Pem's messages name the file and never a key byte.
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * The proxy group a client certificate names: its URI SAN, if it has exactly one and it is one of
   * ours ({@link Spiffe#group}). Says nothing about whether the certificate is trusted; the TLS
   * layer decides that first.
   */
  public static Optional<String> groupOf(X509Certificate certificate) {
    requireNonNull(certificate, "certificate");
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (names == null) {
      return Optional.empty();
    }
    List<String> uris =
        names.stream()
            .filter(name -> name.get(0).equals(URI_NAME))
            .map(name -> (String) name.get(1))
            .toList();
    // Two URIs would make the identity ambiguous; X509-SVIDs carry exactly one.
    return uris.size() == 1 ? Spiffe.group(uris.get(0)) : Optional.empty();
  }

  @Override
  public String toString() {
    X509Certificate certificate = authority.certificate();
    return "ProxyCa[subject="
        + certificate.getSubjectX500Principal().getName()
        + ", serial="
        + certificate.getSerialNumber().toString(16)
        + ", notAfter="
        + certificate.getNotAfter().toInstant()
        + "]";
  }

  /** A new key pair, certified for {@code ttl} from {@link #BACKDATE} before now. */
  private IssuedCertificate issue(
      String commonName, List<SubjectName> names, Purpose purpose, Duration ttl) {
    requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: positive)");
    }
    Instant now = now(clock);
    KeyPair pair = KeyPairs.generate(random);
    X509Certificate leaf =
        authority.issue(
            new LeafRequest(
                commonName,
                names,
                purpose,
                pair.getPublic(),
                now.minus(BACKDATE),
                now.plus(ttl),
                CertificateAuthority.randomSerial(random),
                Signing.RANDOMIZED));
    return new IssuedCertificate(List.of(leaf, authority.certificate()), pair.getPrivate());
  }

  /** Whole seconds: X.509 times have no fractions, so the window is exactly what was asked. */
  private static Instant now(Clock clock) {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }
}
