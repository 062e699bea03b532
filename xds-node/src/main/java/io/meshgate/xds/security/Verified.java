package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** What {@link TokenVerifier} decided about a token: the stream's group, or why not. */
public sealed interface Verified permits Verified.Accepted, Verified.Rejected {
  /** A valid token: the stream belongs to {@code group}. */
  record Accepted(String group, String kid, String jti, Instant expiresAt) implements Verified {
    public Accepted {
      requireNonNull(group, "group");
      requireNonNull(kid, "kid");
      requireNonNull(jti, "jti");
      requireNonNull(expiresAt, "expiresAt");
    }
  }

  /**
   * A refused token. The reason is safe to log: it never contains the token or a part of it (e.g.
   * "expired at 2025-01-31T12:00:00Z", "signed by unknown key kid=…", "bad signature").
   */
  record Rejected(String reason) implements Verified {
    public Rejected {
      requireNonNull(reason, "reason");
    }
  }
}
