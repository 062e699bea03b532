package io.meshgate.config.seal;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.SealedData;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opens sealed values in memory with the cluster's private key (see {@link Envelope}). The result
 * is plaintext: callers hand it to Envoy and must never log or persist it. Thread-safe.
 *
 * <p>Besides the current key it may hold retired ones (a small key ring): after {@code meshgate
 * seal-key create --rotate}, values sealed before the rotation still open. Each envelope is opened
 * with the key its key id names.
 */
public final class Unsealer {
  private final String keyId;
  private final Map<String, PrivateKey> keysById;

  public Unsealer(PrivateKey privateKey) {
    this(privateKey, List.of());
  }

  private Unsealer(PrivateKey current, List<PrivateKey> retired) {
    SealKeys.requireUsable(current, "privateKey");
    this.keyId = SealKeys.keyId(SealKeys.publicKeyOf(current));
    Map<String, PrivateKey> keys = new TreeMap<>();
    for (PrivateKey key : retired) {
      SealKeys.requireUsable(key, "retired");
      keys.put(SealKeys.keyId(SealKeys.publicKeyOf(key)), key);
    }
    keys.put(keyId, current);
    this.keysById = Collections.unmodifiableMap(keys);
  }

  /** Opens with {@code current} and, for envelopes that name them, the {@code retired} keys. */
  public static Unsealer withRetired(PrivateKey current, List<PrivateKey> retired) {
    requireNonNull(current, "current");
    return new Unsealer(current, List.copyOf(retired));
  }

  /**
   * The unsealer of a replica given {@code --seal-key keyFile}: that key, and the retired keys
   * beside it ({@code retired/seal-*.key}, as {@link SealKeyPair#retire} leaves them).
   */
  public static Unsealer readKeyFile(Path keyFile) throws IOException {
    requireNonNull(keyFile, "keyFile");
    PrivateKey current = SealKeys.readPrivate(keyFile);
    Path retiredDir = keyFile.toAbsolutePath().resolveSibling(SealKeyPair.RETIRED_DIR);
    List<PrivateKey> retired = new ArrayList<>();
    if (Files.isDirectory(retiredDir)) {
      try (DirectoryStream<Path> files =
          Files.newDirectoryStream(retiredDir, SealKeyPair.RETIRED_GLOB)) {
        for (Path file : files) {
          retired.add(SealKeys.readPrivate(file));
        }
      }
    }
    return new Unsealer(current, retired);
  }

  /** The ids of every key held, current and retired, sorted. */
  public Set<String> keyIds() {
    return keysById.keySet();
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
    PrivateKey privateKey = keysById.get(sealed.keyId());
    if (privateKey == null) {
      throw new SealException(
          secret
              + ": sealed for key "
              + sealed.keyId()
              + ", this replica holds key "
              + keyId
              + retiredIds()
              + ": seal it again with this cluster's public key (meshgate seal)");
    }
    SecretKey dataKey = unwrap(secret, sealed.wrappedKey(), privateKey);
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

  private String retiredIds() {
    if (keysById.size() == 1) {
      return "";
    }
    List<String> retired = new ArrayList<>(keysById.keySet());
    retired.remove(keyId);
    return " (and retired " + String.join(", ", retired) + ")";
  }

  private static SecretKey unwrap(String secret, String wrappedKey, PrivateKey privateKey) {
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
