package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.Optional;

/**
 * The public half of a token signing key, as verifiers see it. A retired key no longer signs but
 * still verifies the tokens it signed until they expire.
 */
public record PublicKeyEntry(
    String kid, ECPublicKey publicKey, Instant created, Optional<Instant> retiredAt) {
  public PublicKeyEntry {
    requireNonNull(kid, "kid");
    requireNonNull(publicKey, "publicKey");
    requireNonNull(created, "created");
    requireNonNull(retiredAt, "retiredAt");
    String expected = SigningKey.kidOf(publicKey);
    if (!kid.equals(expected)) {
      throw new IllegalArgumentException(
          "kid: " + kid + " (expected: " + expected + ", the id of publicKey)");
    }
  }

  /** A current (not retired) entry for {@code key}, created at {@code created}. */
  public static PublicKeyEntry current(SigningKey key, Instant created) {
    return new PublicKeyEntry(key.kid(), key.publicKey(), created, Optional.empty());
  }
}
