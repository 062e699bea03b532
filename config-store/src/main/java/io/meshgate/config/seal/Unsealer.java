package io.meshgate.config.seal;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.SealedData;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opens sealed values in memory with the cluster's private key (see {@link Envelope}). The result
 * is plaintext: callers hand it to Envoy and must never log or persist it. Thread-safe.
 */
public final class Unsealer {
  private final PrivateKey privateKey;
  private final String keyId;

  public Unsealer(PrivateKey privateKey) {
    this.privateKey = SealKeys.requireUsable(privateKey, "privateKey");
    this.keyId = SealKeys.keyId(SealKeys.publicKeyOf(privateKey));
  }

  /** The id of the key this replica holds, to compare with {@link SealedData#keyId()}. */
  public String keyId() {
    return keyId;
  }

  /**
   * Opens every value of the Secret {@code namespace/name}, sorted by key.
   *
   * @throws SealException if the data was sealed with another algorithm or key, or any value was
   *     altered or belongs to another Secret or key
   */
  public Map<String, byte[]> unseal(String namespace, String name, SealedData sealed) {
    Envelope.requireSegment(namespace, "namespace");
    Envelope.requireSegment(name, "name");
    requireNonNull(sealed, "sealed");
    String secret = namespace + "/" + name;
    if (!SealedData.ALGORITHM.equals(sealed.algorithm())) {
      throw new SealException(
          secret
              + ": algorithm '"
              + sealed.algorithm()
              + "' (expected: "
              + SealedData.ALGORITHM
              + ")");
    }
    if (!keyId.equals(sealed.keyId())) {
      throw new SealException(
          secret
              + ": sealed for key "
              + sealed.keyId()
              + ", this replica holds key "
              + keyId
              + ": seal it again with this cluster's public key (meshgate seal)");
    }
    SecretKey dataKey = unwrap(secret, sealed.wrappedKey());
    Map<String, byte[]> values = new TreeMap<>();
    try {
      for (Map.Entry<String, String> entry : sealed.data().entrySet()) {
        String key = entry.getKey();
        byte[] aad = Envelope.aad(namespace, name, key);
        values.put(key, open(secret, key, entry.getValue(), dataKey, aad));
      }
    } catch (SealException e) {
      // All or nothing: the values opened so far are plaintext nobody will use.
      values.values().forEach(value -> Arrays.fill(value, (byte) 0));
      throw e;
    }
    return Collections.unmodifiableMap(values);
  }

  private SecretKey unwrap(String secret, String wrappedKey) {
    byte[] wrapped;
    try {
      wrapped = Envelope.BASE64_DECODER.decode(wrappedKey);
    } catch (IllegalArgumentException e) {
      throw new SealException(
          "wrapped key of " + secret + " is not valid base64 (expected: standard base64)", e);
    }
    byte[] rawKey;
    try {
      rawKey = Envelope.rsaOaep(Cipher.DECRYPT_MODE, privateKey).doFinal(wrapped);
    } catch (GeneralSecurityException e) {
      throw new SealException(
          "wrapped key of "
              + secret
              + " cannot be opened: it was altered, or sealed for another key",
          e);
    }
    try {
      if (rawKey.length != Envelope.DATA_KEY_BYTES) {
        throw new SealException(
            "wrapped key of "
                + secret
                + " holds "
                + rawKey.length
                + " bytes (expected: "
                + Envelope.DATA_KEY_BYTES
                + ")");
      }
      return new SecretKeySpec(rawKey, "AES");
    } finally {
      Arrays.fill(rawKey, (byte) 0);
    }
  }

  private static byte[] open(
      String secret, String key, String sealedValue, SecretKey dataKey, byte[] aad) {
    String value = "sealed value '" + key + "' of " + secret;
    byte[] sealed;
    try {
      sealed = Envelope.BASE64_DECODER.decode(sealedValue);
    } catch (IllegalArgumentException e) {
      throw new SealException(value + " is not valid base64 (expected: standard base64)", e);
    }
    int minimum = Envelope.NONCE_BYTES + Envelope.TAG_BYTES;
    if (sealed.length < minimum) {
      throw new SealException(
          value
              + " is "
              + sealed.length
              + " bytes (expected: at least "
              + minimum
              + ": a 12-byte nonce and a 16-byte tag)");
    }
    byte[] nonce = Arrays.copyOf(sealed, Envelope.NONCE_BYTES);
    try {
      return Envelope.aesGcm(Cipher.DECRYPT_MODE, dataKey, nonce, aad)
          .doFinal(sealed, Envelope.NONCE_BYTES, sealed.length - Envelope.NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new SealException(
          value + " cannot be opened: it was altered, or sealed for another Secret or key", e);
    }
  }

  @Override
  public String toString() {
    return "Unsealer[keyId=" + keyId + "]";
  }
}
