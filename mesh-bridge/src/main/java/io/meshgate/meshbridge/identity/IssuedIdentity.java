package io.meshgate.meshbridge.identity;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

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
