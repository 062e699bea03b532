package io.meshgate.meshbridge.istio;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.ca.Signing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An Istio mesh's CA hierarchy for tests, and its {@code cacerts} directory: a root (made by {@link
 * CertificateAuthority#selfSigned}), intermediates it signs, written as Istio's four files. Files
 * are written whole and moved into place, as a Kubernetes secret volume swaps them.
 */
final class Cacerts {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Cacerts() {}

  /** A CA certificate and its keys. */
  record Ca(X509Certificate certificate, KeyPair keys) {
    CertificateAuthority authority() {
      return CertificateAuthority.of(certificate, keys.getPrivate());
    }
  }

  /** What a certificate {@link #issued} is for. */
  enum Kind {
    /** An intermediate CA: basicConstraints CA, keyCertSign. */
    CA,
    /** An intermediate CA that may sign no other CA: basicConstraints CA, path length 0. */
    CA_NO_SUBORDINATES,
    /** A CA in name only: basicConstraints CA but no keyCertSign. */
    CA_WITHOUT_CERT_SIGN,
    /** Not a CA at all. */
    END_ENTITY
  }

  /** A root valid from a day before {@code now} for ten years. */
  static Ca root(String commonName, Instant now) {
    KeyPair keys = KeyPairs.generate(RANDOM);
    CertificateAuthority root =
        CertificateAuthority.selfSigned(
            commonName,
            keys,
            now.minus(Duration.ofDays(1)),
            now.plus(Duration.ofDays(3650)),
            CertificateAuthority.randomSerial(RANDOM),
            Signing.RANDOMIZED);
    return new Ca(root.certificate(), keys);
  }

  /**
   * An EC P-256 intermediate signed by {@code parent}, valid a day before {@code now} to a year.
   */
  static Ca intermediate(Ca parent, String commonName, Instant now) {
    return issued(
        parent,
        commonName,
        KeyPairs.generate(RANDOM),
        now.minus(Duration.ofDays(1)),
        now.plus(Duration.ofDays(365)),
        Kind.CA);
  }

  /** A certificate of {@code kind} for {@code keys}, signed by {@code parent}. */
  static Ca issued(
      Ca parent, String commonName, KeyPair keys, Instant notBefore, Instant notAfter, Kind kind) {
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              parent.certificate(),
              CertificateAuthority.randomSerial(RANDOM),
              Date.from(notBefore),
              Date.from(notAfter),
              new X500Name("CN=" + commonName),
              keys.getPublic());
      builder
          .addExtension(
              Extension.basicConstraints,
              true,
              switch (kind) {
                case CA, CA_WITHOUT_CERT_SIGN -> new BasicConstraints(true);
                case CA_NO_SUBORDINATES -> new BasicConstraints(0);
                case END_ENTITY -> new BasicConstraints(false);
              })
          .addExtension(
              Extension.keyUsage,
              true,
              new KeyUsage(
                  kind == Kind.CA || kind == Kind.CA_NO_SUBORDINATES
                      ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                      : KeyUsage.digitalSignature))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              extensions.createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(
              Extension.authorityKeyIdentifier,
              false,
              extensions.createAuthorityKeyIdentifier(parent.certificate()));
      String algorithm =
          parent.keys().getPrivate().getAlgorithm().equals("RSA")
              ? "SHA256withRSA"
              : "SHA256withECDSA";
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder(algorithm).build(parent.keys().getPrivate())));
      return new Ca(certificate, keys);
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue " + commonName, e);
    }
  }

  /** A 2048-bit RSA key pair, as Istio's own tooling makes for intermediates (larger there). */
  static KeyPair rsaKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048, RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Istio's four files for {@code signing}: its certificate and key, {@code chain} as
   * cert-chain.pem and {@code roots} as root-cert.pem.
   */
  static void write(
      Path directory, Ca signing, List<X509Certificate> chain, List<X509Certificate> roots) {
    write(directory, PluggedCa.CA_CERT, Pem.certificates(List.of(signing.certificate())));
    write(directory, PluggedCa.CA_KEY, Pem.privateKey(signing.keys().getPrivate()));
    write(directory, PluggedCa.CERT_CHAIN, Pem.certificates(chain));
    write(directory, PluggedCa.ROOT_CERT, Pem.certificates(roots));
  }

  /** What Istio's Makefile writes: cert-chain.pem is ca-cert.pem then the root. */
  static void write(Path directory, Ca intermediate, Ca root) {
    write(
        directory,
        intermediate,
        List.of(intermediate.certificate(), root.certificate()),
        List.of(root.certificate()));
  }

  /** One file, written whole beside it and moved into place. */
  static void write(Path directory, String name, String text) {
    write(directory, name, text.getBytes(US_ASCII));
  }

  static void write(Path directory, String name, byte[] bytes) {
    try {
      Files.createDirectories(directory);
      Path temporary = Files.createTempFile(directory, "." + name, ".tmp");
      Files.write(temporary, bytes);
      Files.move(
          temporary,
          directory.resolve(name),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
