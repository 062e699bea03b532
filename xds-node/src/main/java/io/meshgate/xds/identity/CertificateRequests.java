package io.meshgate.xds.identity;

import io.meshgate.config.pem.Pem;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Reads the one thing a workload's CSR may decide, its public key, after checking that the CSR is
 * signed by that key's private half (the workload holds it). Its subject and extensions are never
 * read: the identity comes from the stream's credential.
 */
final class CertificateRequests {
  /** The largest CSR taken; a P-256 CSR is well under 1 KiB, an RSA-4096 one under 2 KiB. */
  static final int MAX_CSR_BYTES = 8 * 1024;

  private static final int MIN_RSA_BITS = 2048;

  /** The order of P-256's base point: names the curve without trusting a curve name. */
  private static final BigInteger P256_ORDER =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  private CertificateRequests() {}

  /** Why a CSR was refused; its message names the value and the expectation. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  /** The public key of {@code pem}, a PKCS#10 CSR signed by it. */
  static PublicKey publicKey(String pem) throws Refused {
    if (pem.length() > MAX_CSR_BYTES) {
      throw new Refused(
          "csr_pem: " + pem.length() + " bytes (expected: at most " + MAX_CSR_BYTES + ")");
    }
    List<Pem.Block> blocks;
    try {
      blocks = Pem.blocks(pem, "csr_pem");
    } catch (IllegalArgumentException e) {
      throw new Refused(e.getMessage());
    }
    Pem.Block block =
        blocks.stream()
            .filter(
                b ->
                    b.label().equals("CERTIFICATE REQUEST")
                        || b.label().equals("NEW CERTIFICATE REQUEST"))
            .findFirst()
            .orElseThrow(
                () ->
                    new Refused(
                        "csr_pem: no CERTIFICATE REQUEST block (expected: a PKCS#10 CSR, PEM)"));
    JcaPKCS10CertificationRequest csr;
    PublicKey key;
    try {
      csr = new JcaPKCS10CertificationRequest(block.der());
      key = csr.getPublicKey();
    } catch (IOException | RuntimeException | GeneralSecurityException e) {
      throw new Refused("csr_pem: not a PKCS#10 CSR (" + e.getMessage() + ")");
    }
    checkKey(key);
    try {
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new Refused("csr_pem: its signature does not verify with its own public key");
      }
    } catch (OperatorCreationException | PKCSException e) {
      throw new Refused("csr_pem: its signature cannot be checked (" + e.getMessage() + ")");
    }
    return key;
  }

  private static void checkKey(PublicKey key) throws Refused {
    if (key instanceof ECPublicKey ec) {
      if (!ec.getParams().getOrder().equals(P256_ORDER)) {
        throw new Refused(
            "csr_pem: an EC key on a curve of "
                + ec.getParams().getOrder().bitLength()
                + " bits (expected: P-256, or RSA of at least "
                + MIN_RSA_BITS
                + " bits)");
      }
      return;
    }
    if (key instanceof RSAPublicKey rsa) {
      if (rsa.getModulus().bitLength() < MIN_RSA_BITS) {
        throw new Refused(
            "csr_pem: an RSA key of "
                + rsa.getModulus().bitLength()
                + " bits (expected: at least "
                + MIN_RSA_BITS
                + ", or EC P-256)");
      }
      return;
    }
    throw new Refused(
        "csr_pem: a "
            + key.getAlgorithm()
            + " key (expected: EC P-256 or RSA of at least 2048 bits)");
  }
}
