package io.meshgate.xds.security;

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
          ? new Result.Valid(accepted.group())
          : new Result.Invalid(((Verified.Rejected) verified).reason());
    };
  }

  /** The outcome of a check. */
  sealed interface Result permits Result.Valid, Result.Invalid {
    record Valid(String group) implements Result {}

    record Invalid(String reason) implements Result {}
  }
}
