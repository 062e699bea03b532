package io.meshgate.xds.security;

/** Verifies a proxy token for a node: the group it grants, or why not (never echoing the token). */
@FunctionalInterface
public interface TokenCheck {
  TokenCheck NONE =
      (token, nodeId) -> new Result.Invalid("proxy tokens are not configured on this replica");

  Result check(String token, String nodeId);

  /** The outcome of a check. */
  sealed interface Result permits Result.Valid, Result.Invalid {
    record Valid(String group) implements Result {}

    record Invalid(String reason) implements Result {}
  }
}
