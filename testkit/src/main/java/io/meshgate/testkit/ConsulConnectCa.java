package io.meshgate.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The X.509 side of {@link ConsulApiDouble}'s Connect CA: EC P-256 roots and leaves, made with
 * BouncyCastle. Holds no state of its own beyond a random source; the double keeps roots and leaves
 * under its lock. Nothing here is fit for production.
 */
final class ConsulConnectCa {
  /** How long a root is valid from its creation (Consul's default root TTL is ten years). */
  static final Duration ROOT_TTL = Duration.ofDays(3650);

  /** Leaves start this long before they are issued, to tolerate clock skew. */
  static final Duration BACKDATE = Duration.ofMinutes(1);

  static final String ROOT_NAME = "Consul CA Primary Cert";

  private static final String SIGNATURE = "SHA256withECDSA";

  private final SecureRandom random = new SecureRandom();

  /**
   * A CA root. {@code key} signs leaves; it never leaves the double and is not in {@link
   * #toString()}.
   */
  record Root(
      String id,
      long serial,
      String signingKeyId,
      Instant notBefore,
      Instant notAfter,
      String pem,
      boolean active,
      long createIndex,
      long modifyIndex,
      X509Certificate certificate,
      PrivateKey key) {
    Root {
      requireNonNull(id, "id");
      requireNonNull(pem, "pem");
      requireNonNull(certificate, "certificate");
      requireNonNull(key, "key");
    }

    Root retired(long index) {
      return new Root(
          id,
          serial,
          signingKeyId,
          notBefore,
          notAfter,
          pem,
          false,
          createIndex,
          index,
          certificate,
          key);
    }

    Root withIndexesAtMost(long to) {
      return new Root(
          id,
          serial,
          signingKeyId,
          notBefore,
          notAfter,
          pem,
          active,
          Math.min(createIndex, to),
          Math.min(modifyIndex, to),
          certificate,
          key);
    }

    @Override
    public String toString() {
      return "Root[" + id + ", active " + active + ", modified at " + modifyIndex + "]";
    }
  }

  /** A service's leaf certificate and key, as the agent hands them out. */
  record Leaf(
      String service,
      String serial,
      String certPem,
      String privateKeyPem,
      String serviceUri,
      Instant validAfter,
      Instant validBefore,
      long createIndex,
      long modifyIndex) {
    Leaf {
      requireNonNull(service, "service");
      requireNonNull(certPem, "certPem");
      requireNonNull(privateKeyPem, "privateKeyPem");
    }

    Leaf withIndexesAtMost(long to) {
      return new Leaf(
          service,
          serial,
          certPem,
          privateKeyPem,
          serviceUri,
          validAfter,
          validBefore,
          Math.min(createIndex, to),
          Math.min(modifyIndex, to));
    }

    @Override
    public String toString() {
      // Never the private key.
      return "Leaf[" + service + ", serial " + serial + ", modified at " + modifyIndex + "]";
    }
  }

  /** A self-signed root for {@code trustDomain}, valid from {@code now} less a minute. */
  Root newRoot(String clusterId, String trustDomain, Instant now, long index) {
    KeyPair keys = keyPair();
    long serial = serial();
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = now.plus(ROOT_TTL);
    X500Name subject =
        new X500Name("CN=Consul CA " + serial + " " + clusterId.substring(0, 8) + ".consul");
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      SubjectKeyIdentifier keyId = extensions.createSubjectKeyIdentifier(keys.getPublic());
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  BigInteger.valueOf(serial),
                  Date.from(notBefore),
                  Date.from(notAfter),
                  subject,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
              .addExtension(Extension.subjectKeyIdentifier, false, keyId)
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(keys.getPublic()))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(
                      new GeneralName(
                          GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain)));
      X509Certificate certificate = sign(builder, keys.getPrivate());
      String id = colonHex(MessageDigest.getInstance("SHA-1").digest(certificate.getEncoded()));
      return new Root(
          id,
          serial,
          colonHex(keyId.getKeyIdentifier()),
          notBefore,
          notAfter,
          pem(certificate),
          true,
          index,
          index,
          certificate,
          keys.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make a Connect CA root", e);
    }
  }

  /**
   * A leaf for {@code service} with a new key, signed by {@code signer}: URI SAN {@code
   * serviceUri}, DNS SAN {@code dnsName}, server and client auth, valid from {@code now} less a
   * minute to {@code now} plus {@code ttl}.
   */
  Leaf newLeaf(
      Root signer,
      String service,
      String serviceUri,
      String dnsName,
      Instant now,
      Duration ttl,
      long createIndex,
      long index) {
    KeyPair keys = keyPair();
    BigInteger serial = BigInteger.valueOf(serial());
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = now.plus(ttl);
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  signer.certificate(),
                  serial,
                  Date.from(notBefore),
                  Date.from(notAfter),
                  new X500Name("CN=" + service),
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(
                      KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(keys.getPublic()))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(signer.certificate()))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(
                      new GeneralName[] {
                        new GeneralName(GeneralName.uniformResourceIdentifier, serviceUri),
                        new GeneralName(GeneralName.dNSName, dnsName)
                      }));
      X509Certificate certificate = sign(builder, signer.key());
      return new Leaf(
          service,
          colonHex(unsigned(serial)),
          pem(certificate),
          sec1Pem(keys),
          serviceUri,
          notBefore,
          notAfter,
          createIndex,
          index);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue a Connect leaf for " + service, e);
    }
  }

  /** Bytes as Consul writes IDs and serials: lower-case hex pairs joined by colons. */
  static String colonHex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 3);
    for (byte b : bytes) {
      if (out.length() > 0) {
        out.append(':');
      }
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }

  /** A positive 63-bit serial; random, so that two doubles never share one. */
  private long serial() {
    long serial;
    do {
      serial = random.nextLong() & Long.MAX_VALUE;
    } while (serial == 0);
    return serial;
  }

  private KeyPair keyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 in this JDK", e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /** PEM of a certificate or a {@link PemObject}. */
  private static String pem(Object value) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * The key pair as SEC1 {@code EC PRIVATE KEY} PEM with the curve and the public key, as Go's
   * {@code x509.MarshalECPrivateKey} (and so Consul) writes it; the JDK's PKCS#8 encoding carries
   * no public key, which some readers need to make a key pair.
   */
  private static String sec1Pem(KeyPair keys) {
    SubjectPublicKeyInfo publicInfo =
        SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
    ECPrivateKey sec1 =
        new ECPrivateKey(
            256,
            ((java.security.interfaces.ECPrivateKey) keys.getPrivate()).getS(),
            publicInfo.getPublicKeyData(),
            publicInfo.getAlgorithm().getParameters());
    try {
      return pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A positive number's bytes without the sign byte Java adds. */
  private static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      byte[] trimmed = new byte[bytes.length - 1];
      System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
      return trimmed;
    }
    return bytes;
  }
}
