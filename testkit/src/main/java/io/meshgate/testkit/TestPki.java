package io.meshgate.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway CA for tests of TLS to real services (etcd, Kafka, gRPC): it issues server and client
 * certificates as PEM files (PKCS#8 keys, EC P-256), valid for a day from an hour ago. Nothing here
 * is fit for production.
 *
 * <pre>{@code
 * TestPki pki = TestPki.create(dir);
 * TestPki.Issued server = pki.server("etcd", "127.0.0.1", "localhost");
 * TestPki.Issued client = pki.client("meshgate-node");
 * }</pre>
 */
public final class TestPki {
  private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

  private final Path dir;
  private final KeyPair caKeys;
  private final X509Certificate caCertificate;
  private final Path caFile;

  private TestPki(Path dir, KeyPair caKeys, X509Certificate caCertificate, Path caFile) {
    this.dir = dir;
    this.caKeys = caKeys;
    this.caCertificate = caCertificate;
    this.caFile = caFile;
  }

  /** A certificate and its private key, as PEM files. */
  public record Issued(Path certificate, Path privateKey) {
    public Issued {
      requireNonNull(certificate, "certificate");
      requireNonNull(privateKey, "privateKey");
    }
  }

  /** A new CA whose certificate is written to {@code dir/ca.crt}. */
  public static TestPki create(Path dir) {
    try {
      Files.createDirectories(dir);
      KeyPair keys = keyPair();
      X500Name name = new X500Name("CN=meshgate test CA " + SERIALS.incrementAndGet());
      X509v3CertificateBuilder builder = builder(name, name, keys);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate certificate = sign(builder, keys.getPrivate());
      Path caFile = dir.resolve("ca.crt");
      Files.writeString(caFile, pem(certificate));
      return new TestPki(dir, keys, certificate, caFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA certificate (PEM), for trust stores. */
  public Path caCertificate() {
    return caFile;
  }

  /**
   * A server certificate for {@code hosts} (IP addresses or DNS names, as subject alternative
   * names), written to {@code dir/<name>.crt} and {@code dir/<name>.key}.
   */
  public Issued server(String name, String... hosts) {
    List<GeneralName> sans = new ArrayList<>();
    for (String host : hosts) {
      boolean ip = host.matches("[0-9.]+") || host.contains(":");
      sans.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host));
    }
    return issue(name, name, sans, KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
  }

  /** A client certificate whose subject is {@code CN=<commonName>}. */
  public Issued client(String commonName) {
    return issue(commonName, commonName, List.of(), KeyPurposeId.id_kp_clientAuth);
  }

  /**
   * {@code issued}'s private key with its certificate and the CA as the chain, in a key store of
   * {@code type} ({@code PKCS12} or {@code JKS}) protected by {@code password}, written next to the
   * PEM files as {@code <name>.<type>}.
   */
  public Path keyStore(Issued issued, String type, char[] password) {
    try {
      KeyStore store = KeyStore.getInstance(type);
      store.load(null, null);
      store.setKeyEntry(
          "meshgate",
          readPrivateKey(issued.privateKey()),
          password,
          new Certificate[] {readCertificate(issued.certificate()), caCertificate});
      return write(store, storeFile(issued.certificate(), type), password);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA certificate in a trust store of {@code type} ({@code PKCS12} or {@code JKS}). */
  public Path trustStore(String type, char[] password) {
    try {
      KeyStore store = KeyStore.getInstance(type);
      store.load(null, null);
      store.setCertificateEntry("ca", caCertificate);
      return write(store, storeFile(caFile, type), password);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path storeFile(Path pem, String type) {
    String name = pem.getFileName().toString().replaceFirst("\\.[a-z]+$", "");
    return pem.resolveSibling(name + "." + type.toLowerCase(java.util.Locale.ROOT));
  }

  private static Path write(KeyStore store, Path file, char[] password)
      throws IOException, GeneralSecurityException {
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, password);
    }
    return file;
  }

  private static PrivateKey readPrivateKey(Path pem) throws IOException {
    try (PEMParser parser = new PEMParser(Files.newBufferedReader(pem))) {
      return new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject());
    }
  }

  private static X509Certificate readCertificate(Path pem)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private Issued issue(
      String fileName, String commonName, List<GeneralName> sans, KeyPurposeId... purposes) {
    try {
      KeyPair keys = keyPair();
      X509v3CertificateBuilder builder =
          builder(
              new X500Name(caCertificate.getSubjectX500Principal().getName()),
              new X500Name("CN=" + commonName),
              keys);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
      if (!sans.isEmpty()) {
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(sans.toArray(GeneralName[]::new)));
      }
      X509Certificate certificate = sign(builder, caKeys.getPrivate());
      Path certificateFile = dir.resolve(fileName + ".crt");
      Path keyFile = dir.resolve(fileName + ".key");
      Files.writeString(certificateFile, pem(certificate));
      Files.writeString(keyFile, pkcs8(keys.getPrivate()));
      return new Issued(certificateFile, keyFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    return generator.generateKeyPair();
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIALS.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(1))),
        subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  private static String pkcs8(PrivateKey key) throws IOException {
    return pem(new JcaPKCS8Generator(key, null).generate());
  }
}
