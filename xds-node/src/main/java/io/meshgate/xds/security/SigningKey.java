package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.seal.SealKeys;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;

/**
 * An EC P-256 key that signs proxy tokens (ES256), with its public half and key id. Lives in memory
 * only: in etcd the private half is always sealed ({@link TokenKeys}). {@link #toString} shows the
 * key id only.
 */
public record SigningKey(String kid, ECPrivateKey privateKey, ECPublicKey publicKey) {
  public SigningKey {
    requireNonNull(kid, "kid");
    requireNonNull(privateKey, "privateKey");
    requireNonNull(publicKey, "publicKey");
    if (!kid.equals(kidOf(publicKey))) {
      throw new IllegalArgumentException(
          "kid: " + kid + " (expected: " + kidOf(publicKey) + ", the id of publicKey)");
    }
  }

  /** A fresh P-256 key. */
  public static SigningKey generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = generator.generateKeyPair();
      ECPublicKey publicKey = (ECPublicKey) pair.getPublic();
      return new SigningKey(kidOf(publicKey), (ECPrivateKey) pair.getPrivate(), publicKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is unavailable: " + e.getMessage(), e);
    }
  }

  /**
   * The first 16 lowercase hex digits of the SHA-256 of the SubjectPublicKeyInfo DER: the same rule
   * as the sealing keys' ids, so one tool computes both.
   */
  public static String kidOf(PublicKey publicKey) {
    return SealKeys.keyId(publicKey);
  }

  @Override
  public String toString() {
    return "SigningKey[kid=" + kid + "]";
  }
}
