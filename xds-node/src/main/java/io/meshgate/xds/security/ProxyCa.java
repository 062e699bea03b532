package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import io.meshgate.xds.security.PemFiles.Access;
import io.meshgate.xds.security.PemFiles.NewFile;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * The control plane's CA for proxies: it issues client certificates whose SPIFFE URI names a proxy
 * group ({@link Spiffe}), and the xDS server's certificate. Its key lives in {@value #KEY_FILE} and
 * nowhere else; {@link #toString} never shows it.
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

  private static final String CURVE = "secp256r1";
  private static final Integer URI_NAME = GeneralName.uniformResourceIdentifier;
  private static final Pattern DNS_NAME =
      Pattern.compile(
          "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
              + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

  private final X509Certificate certificate;
  private final PrivateKey privateKey;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private ProxyCa(X509Certificate certificate, PrivateKey privateKey, Clock clock) {
    this.certificate = certificate;
    this.privateKey = privateKey;
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
    KeyPair pair = generateKeyPair(random);
    Instant now = now(clock);
    X500Name subject = commonName(COMMON_NAME);
    JcaX509ExtensionUtils extensions = extensionUtils();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            serial(random),
            Date.from(now.minus(BACKDATE)),
            Date.from(now.atOffset(ZoneOffset.UTC).plusYears(VALIDITY_YEARS).toInstant()),
            subject,
            pair.getPublic());
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(
              Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              extensions.createSubjectKeyIdentifier(pair.getPublic()));
    } catch (CertIOException e) {
      throw new IllegalStateException("cannot encode the CA's extensions", e);
    }
    X509Certificate certificate = sign(builder, pair.getPrivate());
    PemFiles.createAll(
        dir,
        List.of(
            new NewFile(
                dir.resolve(KEY_FILE),
                PemFiles.privateKeyPem(pair.getPrivate()),
                Access.OWNER_ONLY),
            new NewFile(
                dir.resolve(CERT_FILE),
                PemFiles.certificatesPem(List.of(certificate)),
                Access.DEFAULT)));
    return new ProxyCa(certificate, pair.getPrivate(), clock);
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
    X509Certificate certificate = PemFiles.readCertificates(certFile).get(0);
    if (certificate.getBasicConstraints() < 0) {
      throw new IOException(
          certFile + ": " + certificate.getSubjectX500Principal() + " is not a CA certificate");
    }
    PrivateKey privateKey = PemFiles.readPrivateKey(keyFile);
    if (!belongTogether(privateKey, certificate.getPublicKey())) {
      throw new IOException(keyFile + ": not the key of the certificate in " + certFile);
    }
    return new ProxyCa(certificate, privateKey, clock);
  }

  /** The CA's own certificate: the trust anchor for both sides of the xDS connection. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * A client certificate for a proxy of {@code group}: URI SAN {@code Spiffe.forGroup(group)}, CN
   * the group, extended key usage clientAuth, valid from {@link #BACKDATE} before now for {@code
   * ttl}. The key pair is new.
   */
  public IssuedCertificate issueClient(String group, Duration ttl) {
    GeneralName spiffeId =
        new GeneralName(GeneralName.uniformResourceIdentifier, Spiffe.forGroup(group).toString());
    return issue(commonName(group), List.of(spiffeId), KeyPurposeId.id_kp_clientAuth, ttl);
  }

  /**
   * A certificate for the xDS server: DNS and IP SANs, extended key usage serverAuth, CN the first
   * name. At least one name or address is needed.
   */
  public IssuedCertificate issueServer(
      List<String> dnsNames, List<String> ipAddresses, Duration ttl) {
    List<GeneralName> names = new ArrayList<>();
    for (String dnsName : List.copyOf(dnsNames)) {
      if (!DNS_NAME.matcher(dnsName).matches() || dnsName.length() > 253) {
        throw new IllegalArgumentException(
            "dnsNames: '" + dnsName + "' (expected: a host name such as xds.example.com)");
      }
      names.add(new GeneralName(GeneralName.dNSName, dnsName));
    }
    for (String ipAddress : List.copyOf(ipAddresses)) {
      if (!IPAddress.isValid(ipAddress)) {
        throw new IllegalArgumentException(
            "ipAddresses: '" + ipAddress + "' (expected: an IPv4 or IPv6 address)");
      }
      names.add(new GeneralName(GeneralName.iPAddress, ipAddress));
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException(
          "dnsNames, ipAddresses: none (expected: at least one name or address)");
    }
    String first = dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0);
    return issue(commonName(first), names, KeyPurposeId.id_kp_serverAuth, ttl);
  }

  /** A PEM file's certificates, in file order: a {@code tls.crt} chain or a {@code ca.crt}. */
  public static List<X509Certificate> readCertificates(Path file) throws IOException {
    return PemFiles.readCertificates(file);
  }

  /** The first private key of a PEM file: PKCS#8, or the traditional EC and RSA forms. */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    return PemFiles.readPrivateKey(file);
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
    return "ProxyCa[subject="
        + certificate.getSubjectX500Principal().getName()
        + ", serial="
        + certificate.getSerialNumber().toString(16)
        + ", notAfter="
        + certificate.getNotAfter().toInstant()
        + "]";
  }

  private IssuedCertificate issue(
      X500Name subject, List<GeneralName> subjectAltNames, KeyPurposeId purpose, Duration ttl) {
    requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: positive)");
    }
    Instant now = now(clock);
    Instant notAfter = now.plus(ttl);
    Instant caNotAfter = certificate.getNotAfter().toInstant();
    if (notAfter.isAfter(caNotAfter)) {
      throw new IllegalArgumentException(
          "ttl: "
              + ttl
              + " (expected: ending by "
              + caNotAfter
              + ", when the CA expires; a certificate must not outlive its CA)");
    }
    KeyPair pair = generateKeyPair(random);
    JcaX509ExtensionUtils extensions = extensionUtils();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            certificate,
            serial(random),
            Date.from(now.minus(BACKDATE)),
            Date.from(notAfter),
            subject,
            pair.getPublic());
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
          .addExtension(
              Extension.subjectAlternativeName,
              false,
              new GeneralNames(subjectAltNames.toArray(GeneralName[]::new)))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              extensions.createSubjectKeyIdentifier(pair.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId(extensions));
    } catch (CertIOException e) {
      throw new IllegalStateException("cannot encode the certificate's extensions", e);
    }
    X509Certificate leaf = sign(builder, privateKey);
    return new IssuedCertificate(List.of(leaf, certificate), pair.getPrivate());
  }

  /** The key id only, as the CA states it in its own certificate. */
  private AuthorityKeyIdentifier authorityKeyId(JcaX509ExtensionUtils extensions) {
    byte[] ski = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    if (ski == null) {
      return extensions.createAuthorityKeyIdentifier(certificate.getPublicKey());
    }
    byte[] keyId =
        SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ski).getOctets())
            .getKeyIdentifier();
    return new AuthorityKeyIdentifier(keyId);
  }

  /** Whole seconds: X.509 times have no fractions, so the window is exactly what was asked. */
  private static Instant now(Clock clock) {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  private static X500Name commonName(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static BigInteger serial(SecureRandom random) {
    BigInteger serial;
    do {
      serial = new BigInteger(128, random);
    } while (serial.signum() == 0);
    return serial;
  }

  private static KeyPair generateKeyPair(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(CURVE), random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC " + CURVE + " is unavailable", e);
    }
  }

  private static JcaX509ExtensionUtils extensionUtils() {
    try {
      return new JcaX509ExtensionUtils();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-1 for key identifiers is unavailable", e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder(signatureAlgorithm(signer)).build(signer)));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a certificate", e);
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default ->
          throw new IllegalArgumentException(
              "key: algorithm " + key.getAlgorithm() + " (expected: EC or RSA)");
    };
  }

  /** Signs a challenge with the private key and checks it with the public one. */
  private static boolean belongTogether(PrivateKey privateKey, PublicKey publicKey) {
    try {
      byte[] challenge = "meshgate proxy CA key check".getBytes(StandardCharsets.US_ASCII);
      String algorithm = signatureAlgorithm(privateKey);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
