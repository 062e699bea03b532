package io.meshgate.xds.security;

import static java.util.Objects.requireNonNull;

import io.grpc.Status;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides a stream's group from its credential, never from what the proxy says about itself: a
 * client certificate's group, else a token's; node metadata naming another group is refused
 * (PERMISSION_DENIED), a bad token is refused (UNAUTHENTICATED). A stream without credentials is
 * served the group its metadata names only when anonymous streams are allowed (the default only
 * when xDS binds to loopback), and is marked anonymous so it never receives a secret.
 */
public final class Authorizer {
  private final TokenCheck tokens;
  private final boolean allowAnonymous;

  public Authorizer(TokenCheck tokens, boolean allowAnonymous) {
    this.tokens = requireNonNull(tokens, "tokens");
    this.allowAnonymous = allowAnonymous;
  }

  /** Anything goes, as on a loopback-only xDS port without TLS. */
  public static Authorizer anonymousAllowed() {
    return new Authorizer(TokenCheck.NONE, true);
  }

  /** The outcome for one stream. */
  public sealed interface Decision permits Decision.Allowed, Decision.Denied {
    /**
     * Serve {@code group}; {@code anonymous} streams never receive secrets.
     *
     * @param validUntil when the credential stops being valid (a token's expiry): the stream is
     *     ended then; empty for certificates, whose expiry ends the TLS connection's use at the
     *     next handshake, and for anonymous streams
     * @param kid the signing key of the stream's token: the stream is ended when it is revoked
     */
    record Allowed(
        String group,
        boolean anonymous,
        String credential,
        Optional<Instant> validUntil,
        Optional<String> kid)
        implements Decision {
      /** A stream whose credential is not a token, or whose token's key is not tracked. */
      public Allowed(
          String group, boolean anonymous, String credential, Optional<Instant> validUntil) {
        this(group, anonymous, credential, validUntil, Optional.empty());
      }
    }

    record Denied(Status status) implements Decision {}
  }

  /**
   * @param claimedGroup the group the node's metadata (or cluster) names; may be empty
   */
  public Decision decide(PeerIdentity peer, String nodeId, String claimedGroup) {
    if (peer.refusedCredential().isPresent()) {
      return new Decision.Denied(
          Status.UNAUTHENTICATED.withDescription(
              "node " + nodeId + ": " + peer.refusedCredential().get()));
    }
    if (peer.certificateGroup().isPresent()) {
      String group = peer.certificateGroup().get();
      return check(
          group,
          nodeId,
          claimedGroup,
          "client certificate for group " + group,
          Optional.empty(),
          Optional.empty());
    }
    if (peer.bearerToken().isPresent()) {
      TokenCheck.Result result = tokens.check(peer.bearerToken().get(), nodeId);
      if (result instanceof TokenCheck.Result.Invalid invalid) {
        return new Decision.Denied(
            Status.UNAUTHENTICATED.withDescription(
                "node " + nodeId + ": proxy token refused: " + invalid.reason()));
      }
      TokenCheck.Result.Valid valid = (TokenCheck.Result.Valid) result;
      return check(
          valid.group(),
          nodeId,
          claimedGroup,
          "proxy token for group " + valid.group(),
          Optional.of(valid.validUntil()),
          valid.kid());
    }
    if (!allowAnonymous) {
      return new Decision.Denied(
          Status.UNAUTHENTICATED.withDescription(
              "node " + nodeId + ": credentials required (a client certificate or a proxy token)"));
    }
    return new Decision.Allowed(claimedGroup, true, "anonymous", Optional.empty());
  }

  private static Decision check(
      String group,
      String nodeId,
      String claimedGroup,
      String credential,
      Optional<Instant> validUntil,
      Optional<String> kid) {
    if (!claimedGroup.isEmpty() && !claimedGroup.equals(group)) {
      return new Decision.Denied(
          Status.PERMISSION_DENIED.withDescription(
              "node "
                  + nodeId
                  + " claims group "
                  + claimedGroup
                  + " but presented a "
                  + credential));
    }
    return new Decision.Allowed(group, false, credential, validUntil, kid);
  }
}
