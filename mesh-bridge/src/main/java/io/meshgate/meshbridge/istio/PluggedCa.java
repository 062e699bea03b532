package io.meshgate.meshbridge.istio;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An Istio plugged-in CA as read from its {@code cacerts} directory, checked: {@code ca-cert.pem}
 * is a CA certificate that may sign certificates, {@code ca-key.pem} is its private key, {@code
 * cert-chain.pem} starts with it and chains up, link by link, to a root of {@code root-cert.pem}.
 * Every refusal is an {@link IllegalArgumentException} whose message names the file and says what
 * is wrong, never a parser's message and never a key byte. {@link #toString()} shows no key.
 *
 * @param authority ca-cert.pem with its key: what signs the leaves
 * @param chain what a leaf is served with, after the leaf: ca-cert.pem's certificate, then the
 *     intermediates above it, without the root (peers validate against the root they hold; a root
 *     in the chain adds bytes, not trust)
 * @param roots root-cert.pem's certificates, in the file's order: the trust bundle (during a root
 *     rotation the operator lists the old root and the new one)
 */
record PluggedCa(
    CertificateAuthority authority, List<X509Certificate> chain, List<X509Certificate> roots) {
  static final String CA_CERT = "ca-cert.pem";
  static final String CA_KEY = "ca-key.pem";
  static final String CERT_CHAIN = "cert-chain.pem";
  static final String ROOT_CERT = "root-cert.pem";

  /** The four files, in the order they are read and reported. */
  static final List<String> FILES = List.of(CA_CERT, CA_KEY, CERT_CHAIN, ROOT_CERT);

  /** The largest file read: a few certificates or one key are a few KiB. */
  static final int MAX_FILE_BYTES = 64 * 1024;

  PluggedCa {
    requireNonNull(authority, "authority");
    chain = List.copyOf(chain);
    roots = List.copyOf(roots);
  }

  /** ca-cert.pem's certificate. */
  X509Certificate certificate() {
    return authority.certificate();
  }

  /** When ca-cert.pem expires: no leaf outlives it. */
  Instant notAfter() {
    return certificate().getNotAfter().toInstant();
  }

  /** When ca-cert.pem starts to be valid: no leaf starts before it. */
  Instant notBefore() {
    return certificate().getNotBefore().toInstant();
  }

  /** The same certificates as {@code other}: the same CA, whatever the files' times. */
  boolean sameAs(PluggedCa other) {
    return certificate().equals(other.certificate())
        && chain.equals(other.chain)
        && roots.equals(other.roots);
  }

  /**
   * Reads and checks the four files of {@code directory} at {@code now}.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  static PluggedCa read(Path directory, Instant now) {
    requireNonNull(directory, "directory");
    byte[] key = readBounded(directory.resolve(CA_KEY));
    try {
      return parse(
          directory,
          text(directory.resolve(CA_CERT)),
          Pem.text(key),
          text(directory.resolve(CERT_CHAIN)),
          text(directory.resolve(ROOT_CERT)),
          now);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * Checks the four files' texts, as read from {@code directory} (named in messages), at {@code
   * now}. No I/O.
   */
  static PluggedCa parse(
      Path directory,
      String caCertText,
      String caKeyText,
      String certChainText,
      String rootCertText,
      Instant now) {
    String caCertFile = directory.resolve(CA_CERT).toString();
    String caKeyFile = directory.resolve(CA_KEY).toString();
    String chainFile = directory.resolve(CERT_CHAIN).toString();
    String rootFile = directory.resolve(ROOT_CERT).toString();

    List<X509Certificate> caCerts = certificates(caCertText, caCertFile);
    if (caCerts.size() != 1) {
      throw new IllegalArgumentException(
          caCertFile
              + ": "
              + caCerts.size()
              + " certificates (expected: exactly one, the CA certificate that signs workloads)");
    }
    X509Certificate caCert = caCerts.get(0);
    requireSigningCa(caCert, caCertFile, "its certificate");
    requireCurrent(caCert, caCertFile, "its certificate", now);

    List<X509Certificate> roots = certificates(rootCertText, rootFile);
    for (int i = 0; i < roots.size(); i++) {
      if (roots.get(i).getBasicConstraints() < 0) {
        throw new IllegalArgumentException(
            rootFile
                + ": certificate "
                + (i + 1)
                + " ("
                + subject(roots.get(i))
                + ") is not a CA certificate (expected: the mesh's root(s))");
      }
    }

    List<X509Certificate> chain = chain(caCert, certChainText, chainFile, roots, rootFile, now);
    if (!chain.isEmpty()) {
      // Link by link the chain is sound; the JDK's PKIX validation adds what peers will check
      // beyond that: path lengths, name constraints, critical extensions.
      requirePkixValid(chain, roots, chainFile, rootFile, now);
    }
    CertificateAuthority authority = authority(caCert, caKeyText, caKeyFile, caCertFile);
    return new PluggedCa(authority, chain, roots);
  }

  /** cert-chain.pem, checked, without a root it ends with. */
  private static List<X509Certificate> chain(
      X509Certificate caCert,
      String text,
      String chainFile,
      List<X509Certificate> roots,
      String rootFile,
      Instant now) {
    if (blocks(text, chainFile).isEmpty() && roots.contains(caCert)) {
      // Istio's rule when ca-cert.pem is the root itself: cert-chain.pem is left empty.
      return List.of();
    }
    List<X509Certificate> chain = certificates(text, chainFile);
    if (!chain.get(0).equals(caCert)) {
      throw new IllegalArgumentException(
          chainFile
              + ": starts with "
              + subject(chain.get(0))
              + " (expected: ca-cert.pem's certificate, "
              + subject(caCert)
              + ", first)");
    }
    for (int i = 1; i < chain.size(); i++) {
      X509Certificate below = chain.get(i - 1);
      X509Certificate above = chain.get(i);
      requireCurrent(above, chainFile, "certificate " + (i + 1), now);
      if (above.getBasicConstraints() < 0) {
        throw new IllegalArgumentException(
            chainFile
                + ": certificate "
                + (i + 1)
                + " ("
                + subject(above)
                + ") is not a CA certificate, so it cannot have signed certificate "
                + i);
      }
      if (above.getBasicConstraints() < i) {
        // Its path length constraint counts the CA certificates between it and the leaf.
        throw new IllegalArgumentException(
            chainFile
                + ": certificate "
                + (i + 1)
                + " ("
                + subject(above)
                + ") allows "
                + above.getBasicConstraints()
                + " CA certificate(s) below it (path length constraint), but "
                + i
                + " stand between it and the leaves");
      }
      if (!signedBy(below, above)) {
        throw new IllegalArgumentException(
            chainFile
                + ": certificate "
                + i
                + " ("
                + subject(below)
                + ") is not signed by certificate "
                + (i + 1)
                + " ("
                + subject(above)
                + "); expected: each certificate followed by its issuer");
      }
    }
    X509Certificate top = chain.get(chain.size() - 1);
    if (chain.size() > 1 && signedBy(top, top)) {
      // Ends with a root (what Istio's own tooling writes): it must be one of root-cert.pem's.
      if (!roots.contains(top)) {
        throw new IllegalArgumentException(
            chainFile
                + ": ends with the root "
                + subject(top)
                + ", which "
                + rootFile
                + " does not hold (it holds "
                + subjects(roots)
                + ")");
      }
      return List.copyOf(chain.subList(0, chain.size() - 1));
    }
    if (roots.contains(top)) {
      return List.copyOf(chain.subList(0, chain.size() - 1));
    }
    if (roots.stream().noneMatch(root -> signedBy(top, root))) {
      throw new IllegalArgumentException(
          chainFile
              + ": its last certificate ("
              + subject(top)
              + ") is not signed by a root of "
              + rootFile
              + " ("
              + subjects(roots)
              + "); expected: the chain to reach the mesh's root");
    }
    return chain;
  }

  private static void requirePkixValid(
      List<X509Certificate> path,
      List<X509Certificate> roots,
      String chainFile,
      String rootFile,
      Instant now) {
    try {
      PKIXParameters parameters =
          new PKIXParameters(
              roots.stream().map(root -> new TrustAnchor(root, null)).collect(Collectors.toSet()));
      parameters.setRevocationEnabled(false);
      parameters.setDate(Date.from(now));
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
    } catch (CertPathValidatorException e) {
      int index = e.getIndex();
      String which =
          index >= 0 && index < path.size()
              ? "certificate " + (index + 1) + " (" + subject(path.get(index)) + ")"
              : "the chain";
      String reason = e.getMessage() == null ? String.valueOf(e.getReason()) : e.getMessage();
      throw new IllegalArgumentException(
          chainFile
              + ": "
              + which
              + " fails PKIX validation against "
              + rootFile
              + ": "
              + reason.lines().findFirst().orElse(reason));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PKIX validation is unavailable", e);
    }
  }

  private static CertificateAuthority authority(
      X509Certificate caCert, String keyText, String keyFile, String caCertFile) {
    PrivateKey key = Pem.privateKey(keyText, keyFile);
    String algorithm = key.getAlgorithm();
    if (!algorithm.equals("EC") && !algorithm.equals("RSA")) {
      throw new IllegalArgumentException(
          keyFile + ": an " + algorithm + " key (expected: an EC or RSA private key)");
    }
    try {
      return CertificateAuthority.of(caCert, key);
    } catch (IllegalArgumentException e) {
      // CertificateAuthority checked that the key signs what the certificate's key verifies.
      throw new IllegalArgumentException(
          keyFile
              + ": not the private key of "
              + caCertFile
              + " ("
              + subject(caCert)
              + "); expected: the key the CA certificate was issued for");
    }
  }

  private static void requireSigningCa(X509Certificate certificate, String file, String which) {
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException(
          file
              + ": "
              + which
              + " ("
              + subject(certificate)
              + ") is not a CA certificate (expected: basicConstraints CA:TRUE)");
    }
    boolean[] usage = certificate.getKeyUsage();
    if (usage == null || usage.length < 6 || !usage[5]) {
      throw new IllegalArgumentException(
          file
              + ": "
              + which
              + " ("
              + subject(certificate)
              + ") may not sign certificates (expected: key usage keyCertSign)");
    }
  }

  private static void requireCurrent(
      X509Certificate certificate, String file, String which, Instant now) {
    Instant notAfter = certificate.getNotAfter().toInstant();
    if (!now.isBefore(notAfter)) {
      throw new IllegalArgumentException(
          file + ": " + which + " (" + subject(certificate) + ") expired at " + notAfter);
    }
    Instant notBefore = certificate.getNotBefore().toInstant();
    if (now.isBefore(notBefore)) {
      throw new IllegalArgumentException(
          file + ": " + which + " (" + subject(certificate) + ") is valid only from " + notBefore);
    }
  }

  private static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
    if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      return false;
    }
    try {
      certificate.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * The CERTIFICATE blocks of a file that must hold only certificates, at least one; a block that
   * does not parse is reported by its number, without the parser's message.
   */
  private static List<X509Certificate> certificates(String text, String file) {
    List<Pem.Block> blocks = blocks(text, file);
    if (blocks.isEmpty()) {
      throw new IllegalArgumentException(
          file + ": no PEM block (expected: -----BEGIN CERTIFICATE----- blocks)");
    }
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("X.509 is unavailable", e);
    }
    List<X509Certificate> certificates = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      Pem.Block block = blocks.get(i);
      if (!block.label().equals(Pem.CERTIFICATE)) {
        if (block.isPrivateKey()) {
          Arrays.fill(block.der(), (byte) 0);
        }
        throw new IllegalArgumentException(
            file
                + ": block "
                + (i + 1)
                + " is a '"
                + block.label()
                + "' block (expected: only CERTIFICATE blocks)");
      }
      try (InputStream in = new ByteArrayInputStream(block.der())) {
        certificates.add((X509Certificate) factory.generateCertificate(in));
      } catch (CertificateException | IOException e) {
        throw new IllegalArgumentException(
            file + ": block " + (i + 1) + " is not an X.509 certificate (expected: DER in base64)");
      }
    }
    return List.copyOf(certificates);
  }

  private static List<Pem.Block> blocks(String text, String file) {
    // Pem's messages name the file and the block's label, never its bytes.
    return Pem.blocks(text, file);
  }

  private static String text(Path file) {
    return Pem.text(readBounded(file));
  }

  /** The file's bytes, at most {@link #MAX_FILE_BYTES}. */
  private static byte[] readBounded(Path file) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          file + ": missing (expected: one of the files of Istio's cacerts secret: " + FILES + ")");
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(
          file + ": not readable by this process (permission denied)");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + ": cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    if (bytes.length > MAX_FILE_BYTES) {
      Arrays.fill(bytes, (byte) 0);
      throw new IllegalArgumentException(
          file
              + ": larger than "
              + MAX_FILE_BYTES
              + " bytes (expected: PEM certificates or one PEM key, a few KiB)");
    }
    return bytes;
  }

  static String subject(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName();
  }

  private static String subjects(List<X509Certificate> certificates) {
    return certificates.stream().map(PluggedCa::subject).collect(Collectors.joining("; "));
  }

  @Override
  public String toString() {
    return "PluggedCa[ca-cert="
        + subject(certificate())
        + ", notAfter="
        + notAfter()
        + ", chain="
        + chain.size()
        + " certificate(s), roots="
        + subjects(roots)
        + "]";
  }
}
