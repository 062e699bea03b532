package io.meshgate.meshbridge.identity;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A workload's X.509 SVID: the leaf and the chain up to (not including) a root, PEM, and its
 * private key, PEM, held in memory only. {@link #toString()} shows no key byte.
 *
 * @param fingerprint SHA-256 (hex) of the chain and the key: equal fingerprints, equal identity
 * @param refreshAt when a new certificate replaces this one (2/3 of its life by default)
 */
public record IssuedIdentity(
    SpiffeId id,
    String chainPem,
    String keyPem,
    Instant notBefore,
    Instant notAfter,
    Instant refreshAt,
    String fingerprint) {
  public IssuedIdentity {
    requireNonNull(id, "id");
    requireNonNull(chainPem, "chainPem");
    requireNonNull(keyPem, "keyPem");
    requireNonNull(notBefore, "notBefore");
    requireNonNull(notAfter, "notAfter");
    requireNonNull(refreshAt, "refreshAt");
    requireNonNull(fingerprint, "fingerprint");
  }

  /**
   * The fingerprint of a chain and its key, as every source gives it: hex SHA-256 of both PEMs. Two
   * issues of one identity differ in it; the key stays out of any text.
   */
  public static String fingerprintOf(String chainPem, String keyPem) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest((chainPem + keyPem).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  /** The name its SDS Secret is served under: the SPIFFE ID. */
  public String secretName() {
    return id.toString();
  }

  @Override
  public String toString() {
    return "IssuedIdentity["
        + id
        + ", notAfter="
        + notAfter
        + ", fingerprint="
        + fingerprint
        + ", key redacted]";
  }
}
