package io.meshgate.xds.security;

import java.time.Instant;
import java.util.Optional;

/** Verifies a proxy token for a node: the group it grants, or why not (never echoing the token). */
@FunctionalInterface
public interface TokenCheck {
  TokenCheck NONE =
      (token, nodeId) -> new Result.Invalid("proxy tokens are not configured on this replica");

  Result check(String token, String nodeId);

  /** Tokens verified against the signing keys in etcd. */
  static TokenCheck of(TokenVerifier verifier) {
    return (token, nodeId) -> {
      Verified verified = verifier.verify(token, nodeId);
      return verified instanceof Verified.Accepted accepted
          ? new Result.Valid(
              accepted.group(),
              accepted.expiresAt().plus(TokenVerifier.CLOCK_SKEW),
              Optional.of(accepted.kid()))
          : new Result.Invalid(((Verified.Rejected) verified).reason());
    };
  }

  /** The outcome of a check. */
  sealed interface Result permits Result.Valid, Result.Invalid {
    /**
     * @param validUntil when the token stops being accepted (its expiry plus the clock skew the
     *     verifier allows); a stream it opened ends then
     * @param kid the key that signed it: a stream it opened ends when that key is revoked
     */
    record Valid(String group, Instant validUntil, Optional<String> kid) implements Result {
      /** A token whose signing key is not tracked (tests). */
      public Valid(String group, Instant validUntil) {
        this(group, validUntil, Optional.empty());
      }
    }

    record Invalid(String reason) implements Result {}
  }
}
