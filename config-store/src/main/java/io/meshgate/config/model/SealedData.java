package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.Map;

/**
 * The private values of a Secret, sealed with the cluster's public key so that no plaintext key
 * material reaches Kafka or etcd. See docs/events.md, "Sealed secrets".
 */
@Doc(
    "The private values of a Secret, sealed with the cluster's public key so that no plaintext key material reaches Kafka or etcd. See docs/events.md, \"Sealed secrets\".")
public record SealedData(
    @Required @Pattern("^RSA-OAEP-256\\+A256GCM$") @Doc("Always RSA-OAEP-256+A256GCM.")
        String algorithm,
    @Required
        @Pattern("^[0-9a-f]{16}$")
        @Doc("First 16 hex digits of the SHA-256 of the public key (SubjectPublicKeyInfo DER).")
        String keyId,
    @Required @Size(min = 1, max = 2048) @Doc("Base64 of the RSA-OAEP-256-wrapped AES-256 key.")
        String wrappedKey,
    @Required @Doc("Per key: base64 of nonce (12 bytes), ciphertext and tag (16 bytes).")
        Map<String, String> data) {

  public static final String ALGORITHM = "RSA-OAEP-256+A256GCM";

  public SealedData {
    requireNonNull(algorithm, "algorithm");
    requireNonNull(keyId, "keyId");
    requireNonNull(wrappedKey, "wrappedKey");
    data = Copies.map(data);
  }
}
