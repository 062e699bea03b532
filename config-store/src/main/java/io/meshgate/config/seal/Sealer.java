package io.meshgate.config.seal;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.SealedData;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals a Secret's private values with the cluster's public key (see {@link Envelope}). Each call
 * draws a fresh data key and fresh nonces, so sealing the same values twice gives different output.
 * Thread-safe.
 */
public final class Sealer {
  private final PublicKey publicKey;
  private final String keyId;
  private final SecureRandom random = new SecureRandom();

  public Sealer(PublicKey publicKey) {
    this.publicKey = SealKeys.requireUsable(publicKey, "publicKey");
    this.keyId = SealKeys.keyId(publicKey);
  }

  /** The id of the key this sealer seals for; an {@link Unsealer} must hold the same. */
  public String keyId() {
    return keyId;
  }

  /**
   * Seals {@code values} for the Secret {@code namespace/name}; each value is bound to its Secret
   * and its key, so it opens nowhere else.
   */
  public SealedData seal(String namespace, String name, Map<String, byte[]> values) {
    Envelope.requireSegment(namespace, "namespace");
    Envelope.requireSegment(name, "name");
    requireNonNull(values, "values");
    byte[] rawKey = new byte[Envelope.DATA_KEY_BYTES];
    random.nextBytes(rawKey);
    try {
      String wrappedKey =
          Envelope.BASE64.encodeToString(
              Envelope.rsaOaep(Cipher.ENCRYPT_MODE, publicKey).doFinal(rawKey));
      SecretKey dataKey = new SecretKeySpec(rawKey, "AES");
      Map<String, String> data = new TreeMap<>();
      for (Map.Entry<String, byte[]> entry : values.entrySet()) {
        String key = requireNonNull(entry.getKey(), "values: a null key");
        byte[] value = requireNonNull(entry.getValue(), () -> "values['" + key + "']");
        data.put(key, sealValue(dataKey, Envelope.aad(namespace, name, key), value));
      }
      return new SealedData(SealedData.ALGORITHM, keyId, wrappedKey, data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "sealing " + namespace + "/" + name + " failed: " + e.getMessage(), e);
    } finally {
      Arrays.fill(rawKey, (byte) 0);
    }
  }

  private String sealValue(SecretKey dataKey, byte[] aad, byte[] value)
      throws GeneralSecurityException {
    byte[] nonce = new byte[Envelope.NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] ciphertext = Envelope.aesGcm(Cipher.ENCRYPT_MODE, dataKey, nonce, aad).doFinal(value);
    byte[] sealed = Arrays.copyOf(nonce, nonce.length + ciphertext.length);
    System.arraycopy(ciphertext, 0, sealed, nonce.length, ciphertext.length);
    return Envelope.BASE64.encodeToString(sealed);
  }

  @Override
  public String toString() {
    return "Sealer[keyId=" + keyId + "]";
  }
}
