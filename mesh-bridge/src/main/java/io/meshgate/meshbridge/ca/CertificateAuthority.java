package io.meshgate.meshbridge.ca;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Date;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority: one CA certificate and its private key, signing what it is asked to. The
 * one implementation behind both of meshgate's CAs — the proxy CA that authenticates proxies to the
 * xDS port and the mesh CA that issues SPIFFE identities; each decides names, windows and serials,
 * this class checks and signs. {@link #toString} never shows the key. Thread-safe.
 */
public final class CertificateAuthority {
  /** BouncyCastle, not registered globally: only RFC 6979 signing needs it. */
  private static final BouncyCastleProvider BC = new BouncyCastleProvider();

  private static final String DETERMINISTIC_ECDSA = "SHA256withECDDSA";

  private final X509Certificate certificate;
  private final PrivateKey privateKey;

  private CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
    this.certificate = certificate;
    this.privateKey = privateKey;
  }

  /**
   * The CA of an existing certificate and its key.
   *
   * @throws IllegalArgumentException if the certificate is not a CA's or the key is not its key
   */
  public static CertificateAuthority of(X509Certificate certificate, PrivateKey privateKey) {
    requireNonNull(certificate, "certificate");
    requireNonNull(privateKey, "privateKey");
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException(
          "certificate: "
              + certificate.getSubjectX500Principal()
              + " (expected: a CA certificate)");
    }
    if (!belongTogether(privateKey, certificate.getPublicKey())) {
      throw new IllegalArgumentException(
          "privateKey: not the key of " + certificate.getSubjectX500Principal());
    }
    return new CertificateAuthority(certificate, privateKey);
  }

  /**
   * A new self-signed root: CN {@code commonName}, key usage certificate and CRL signing, valid
   * from {@code notBefore} to {@code notAfter} (whole seconds).
   */
  public static CertificateAuthority selfSigned(
      String commonName,
      KeyPair keyPair,
      Instant notBefore,
      Instant notAfter,
      BigInteger serial,
      Signing signing) {
    requireNonNull(commonName, "commonName");
    requireNonNull(keyPair, "keyPair");
    X500Name subject = commonName(commonName);
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            serial,
            Date.from(notBefore.truncatedTo(ChronoUnit.SECONDS)),
            Date.from(notAfter.truncatedTo(ChronoUnit.SECONDS)),
            subject,
            keyPair.getPublic());
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
          .addExtension(
              Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              extensionUtils().createSubjectKeyIdentifier(keyPair.getPublic()));
    } catch (CertIOException e) {
      throw new IllegalStateException("cannot encode the CA's extensions", e);
    }
    return new CertificateAuthority(
        sign(builder, keyPair.getPrivate(), signing), keyPair.getPrivate());
  }

  /** A random positive 128-bit serial, as RFC 5280 and the CA/Browser forum ask. */
  public static BigInteger randomSerial(SecureRandom random) {
    BigInteger serial;
    do {
      serial = new BigInteger(128, random);
    } while (serial.signum() == 0);
    return serial;
  }

  /** The CA's own certificate: what peers trust. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Signs a leaf: not a CA, key usage digital signature, the request's extended key usage and
   * subject alternative names, key identifiers of both sides.
   *
   * @throws IllegalArgumentException if the leaf would outlive this CA
   */
  public X509Certificate issue(LeafRequest request) {
    requireNonNull(request, "request");
    Instant caNotAfter = certificate.getNotAfter().toInstant();
    if (request.notAfter().isAfter(caNotAfter)) {
      throw new IllegalArgumentException(
          "notAfter: "
              + request.notAfter()
              + " (expected: by "
              + caNotAfter
              + ", when the CA expires; a certificate must not outlive its CA)");
    }
    JcaX509ExtensionUtils extensions = extensionUtils();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            certificate,
            request.serial(),
            Date.from(request.notBefore()),
            Date.from(request.notAfter()),
            commonName(request.commonName()),
            request.publicKey());
    try {
      builder
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, extendedKeyUsage(request.purpose()))
          .addExtension(
              Extension.subjectAlternativeName,
              false,
              new GeneralNames(
                  request.names().stream()
                      .map(CertificateAuthority::generalName)
                      .toArray(GeneralName[]::new)))
          .addExtension(
              Extension.subjectKeyIdentifier,
              false,
              extensions.createSubjectKeyIdentifier(request.publicKey()))
          .addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId(extensions));
    } catch (CertIOException e) {
      throw new IllegalStateException("cannot encode the certificate's extensions", e);
    }
    return sign(builder, privateKey, request.signing());
  }

  /**
   * The secret this CA's key gives for deriving other keys ({@link KeyPairs#derive}): SHA-256 over
   * a purpose and the key's PKCS#8 encoding. The caller zeroes it after use.
   */
  public byte[] derivationSecret(String purpose) {
    requireNonNull(purpose, "purpose");
    byte[] encoded = privateKey.getEncoded();
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(purpose.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(encoded);
      return digest.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    } finally {
      Arrays.fill(encoded, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "CertificateAuthority[subject="
        + certificate.getSubjectX500Principal().getName()
        + ", serial="
        + certificate.getSerialNumber().toString(16)
        + ", notAfter="
        + certificate.getNotAfter().toInstant()
        + "]";
  }

  private static ExtendedKeyUsage extendedKeyUsage(Purpose purpose) {
    return switch (purpose) {
      case CLIENT -> new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
      case SERVER -> new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
      case CLIENT_AND_SERVER ->
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
    };
  }

  private static GeneralName generalName(SubjectName name) {
    if (name instanceof SubjectName.Uri uri) {
      return new GeneralName(GeneralName.uniformResourceIdentifier, uri.uri().toString());
    }
    if (name instanceof SubjectName.Dns dns) {
      return new GeneralName(GeneralName.dNSName, dns.name());
    }
    return new GeneralName(GeneralName.iPAddress, ((SubjectName.Ip) name).address());
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

  private static X500Name commonName(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static JcaX509ExtensionUtils extensionUtils() {
    try {
      return new JcaX509ExtensionUtils();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-1 for key identifiers is unavailable", e);
    }
  }

  private static X509Certificate sign(
      X509v3CertificateBuilder builder, PrivateKey signer, Signing signing) {
    try {
      String algorithm = signatureAlgorithm(signer, signing);
      ContentSigner contentSigner =
          algorithm.equals(DETERMINISTIC_ECDSA)
              ? deterministicEcdsa(signer)
              : new JcaContentSignerBuilder(algorithm).build(signer);
      return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a certificate", e);
    }
  }

  /**
   * ECDSA with SHA-256 and RFC 6979 nonces, by BouncyCastle. Built by hand: BouncyCastle's
   * algorithm-identifier finder does not know the name SHA256withECDDSA, while the signature it
   * makes is an ordinary ecdsa-with-SHA256 one, which is the identifier written here.
   */
  private static ContentSigner deterministicEcdsa(PrivateKey signer)
      throws GeneralSecurityException {
    Signature signature = Signature.getInstance(DETERMINISTIC_ECDSA, BC);
    signature.initSign(signer);
    AlgorithmIdentifier identifier = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    return new ContentSigner() {
      @Override
      public AlgorithmIdentifier getAlgorithmIdentifier() {
        return identifier;
      }

      @Override
      public OutputStream getOutputStream() {
        return content;
      }

      @Override
      public byte[] getSignature() {
        try {
          signature.update(content.toByteArray());
          return signature.sign();
        } catch (SignatureException e) {
          throw new IllegalStateException("cannot sign a certificate", e);
        }
      }
    };
  }

  private static String signatureAlgorithm(PrivateKey key, Signing signing) {
    return switch (key.getAlgorithm()) {
      case "EC", "ECDSA" ->
          signing == Signing.DETERMINISTIC ? DETERMINISTIC_ECDSA : "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default ->
          throw new IllegalArgumentException(
              "key: algorithm " + key.getAlgorithm() + " (expected: EC or RSA)");
    };
  }

  /** Signs a challenge with the private key and checks it with the public one. */
  private static boolean belongTogether(PrivateKey privateKey, PublicKey publicKey) {
    try {
      byte[] challenge = "meshgate CA key check".getBytes(StandardCharsets.US_ASCII);
      String algorithm = signatureAlgorithm(privateKey, Signing.RANDOMIZED);
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
