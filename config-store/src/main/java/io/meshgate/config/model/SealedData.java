package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * The private values of a {@code Secret}, sealed with the cluster's public key so that no plaintext
 * key material reaches Kafka or etcd. One fresh AES-256-GCM data key per Secret, wrapped with
 * RSA-OAEP-256; each value is encrypted with that key and bound to {@code namespace/name/key}. See
 * docs/events.md, "Sealed secrets".
 *
 * @param algorithm always {@link #ALGORITHM} today
 * @param keyId the first 16 hex digits of the SHA-256 of the public key (SubjectPublicKeyInfo DER)
 * @param wrappedKey base64 of the RSA-OAEP-256-wrapped AES key
 * @param data per key: base64 of nonce (12 bytes) followed by ciphertext and tag (16 bytes)
 */
public record SealedData(
    String algorithm, String keyId, String wrappedKey, Map<String, String> data) {
  public static final String ALGORITHM = "RSA-OAEP-256+A256GCM";

  public SealedData {
    requireNonNull(algorithm, "algorithm");
    requireNonNull(keyId, "keyId");
    requireNonNull(wrappedKey, "wrappedKey");
    data = data == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(data));
  }
}
