package io.meshgate.config.seal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.SealedData;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.spec.MGF1ParameterSpec;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * The {@value SealedData#ALGORITHM} envelope, written down once for the sealer and the unsealer.
 * Producers in other languages follow exactly this:
 *
 * <ol>
 *   <li>Per Secret, a fresh random 256-bit AES key, encrypted with RSA-OAEP using SHA-256 as the
 *       digest, MGF1 with SHA-256 as the mask function and an empty label; {@code wrappedKey} is
 *       the standard base64 (with padding) of the result.
 *   <li>Per value, AES-256-GCM with a fresh random 12-byte nonce, a 128-bit tag and, as additional
 *       authenticated data, the UTF-8 bytes of {@code namespace + "/" + name + "/" + key}; {@code
 *       data[key]} is the standard base64 (with padding) of the nonce followed by the ciphertext
 *       and the tag.
 *   <li>{@code keyId} is the first 16 lowercase hex digits of the SHA-256 of the RSA public key's
 *       X.509 SubjectPublicKeyInfo DER encoding.
 * </ol>
 */
final class Envelope {
  static final int DATA_KEY_BYTES = 32;
  static final int NONCE_BYTES = 12;
  static final int TAG_BITS = 128;
  static final int TAG_BYTES = TAG_BITS / 8;

  static final Base64.Encoder BASE64 = Base64.getEncoder();
  static final Base64.Decoder BASE64_DECODER = Base64.getDecoder();

  // Spelled out because the JDK's "OAEPWithSHA-256AndMGF1Padding" means MGF1 with SHA-1, which is
  // not what RSA-OAEP-256 means to JOSE libraries, Go's crypto/rsa or openssl -pkeyopt.
  private static final OAEPParameterSpec OAEP_SHA256 =
      new OAEPParameterSpec(
          "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);

  private Envelope() {}

  /** RSA-OAEP-256 for {@link Cipher#ENCRYPT_MODE} (public key) or DECRYPT_MODE (private key). */
  static Cipher rsaOaep(int mode, Key key) {
    try {
      Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
      cipher.init(mode, key, OAEP_SHA256);
      return cipher;
    } catch (GeneralSecurityException e) {
      // Keys are checked when a Sealer or Unsealer is built, so this is a JDK without RSA-OAEP.
      throw new IllegalStateException("RSA-OAEP-256 is unavailable: " + e.getMessage(), e);
    }
  }

  /** AES-256-GCM bound to one value of one Secret. */
  static Cipher aesGcm(int mode, SecretKey dataKey, byte[] nonce, byte[] aad) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, dataKey, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad);
      return cipher;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is unavailable: " + e.getMessage(), e);
    }
  }

  static byte[] aad(String namespace, String name, String key) {
    return (namespace + "/" + name + "/" + key).getBytes(UTF_8);
  }

  /**
   * A namespace or name with a '/' would make the binding ambiguous: "a/b" + "c" and "a" + "b/c"
   * would share one AAD, so a value could move between those Secrets unnoticed.
   */
  static String requireSegment(String value, String field) {
    requireNonNull(value, field);
    if (value.isEmpty() || value.indexOf('/') >= 0) {
      throw new IllegalArgumentException(
          field + ": '" + value + "' (expected: not empty, without '/')");
    }
    return value;
  }
}
