package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.pem.Pem;
import io.meshgate.xds.security.KeyFiles.Access;
import io.meshgate.xds.security.KeyFiles.NewFile;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate the {@link ProxyCa} issued, with its private key. The chain is the leaf, then the
 * CA. {@link #toString} never shows the key.
 */
public record IssuedCertificate(List<X509Certificate> chain, PrivateKey privateKey) {
  /** The leaf, then the CA: what a TLS peer presents. */
  public static final String CHAIN_FILE = "tls.crt";

  /** The leaf's private key, PKCS#8, 0600. */
  public static final String KEY_FILE = "tls.key";

  /** The CA alone: what a TLS peer trusts. */
  public static final String CA_FILE = "ca.crt";

  public IssuedCertificate {
    requireNonNull(privateKey, "privateKey");
    chain = List.copyOf(chain);
    if (chain.size() < 2) {
      throw new IllegalArgumentException(
          "chain: " + chain.size() + " certificate(s) (expected: the leaf, then the CA)");
    }
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public X509Certificate ca() {
    return chain.get(chain.size() - 1);
  }

  /**
   * Writes {@value #CHAIN_FILE}, {@value #KEY_FILE} (0600 from creation on, where the file system
   * has POSIX permissions) and {@value #CA_FILE} into {@code dir}, creating it if needed. Writes
   * all three or none; never overwrites.
   */
  public void writeTo(Path dir) throws IOException {
    requireNonNull(dir, "dir");
    KeyFiles.createAll(
        dir,
        List.of(
            NewFile.pem(dir.resolve(KEY_FILE), Pem.privateKey(privateKey), Access.OWNER_ONLY),
            NewFile.pem(dir.resolve(CHAIN_FILE), Pem.certificates(chain), Access.DEFAULT),
            NewFile.pem(dir.resolve(CA_FILE), Pem.certificates(List.of(ca())), Access.DEFAULT)));
  }

  @Override
  public String toString() {
    X509Certificate leaf = leaf();
    return "IssuedCertificate[subject="
        + leaf.getSubjectX500Principal().getName()
        + ", serial="
        + leaf.getSerialNumber().toString(16)
        + ", notAfter="
        + leaf.getNotAfter().toInstant()
        + ", issuer="
        + leaf.getIssuerX500Principal().getName()
        + "]";
  }
}
