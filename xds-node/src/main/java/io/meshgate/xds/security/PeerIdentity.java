package io.meshgate.xds.security;

import java.util.Optional;

/**
 * What a stream's peer presented: the group of its client certificate (from the SPIFFE URI SAN), a
 * bearer token, or nothing. Captured once per call by {@link ProxyAuthenticator}.
 *
 * @param certificateGroup the group named by a verified client certificate
 * @param bearerToken the raw token from {@code authorization: Bearer ...}; never logged
 * @param refusedCredential why a credential the peer presented is not taken (a token sent in the
 *     clear from another host): the stream is refused, never served as anonymous
 */
public record PeerIdentity(
    Optional<String> certificateGroup,
    Optional<String> bearerToken,
    Optional<String> refusedCredential) {
  public static final PeerIdentity NONE = new PeerIdentity(Optional.empty(), Optional.empty());

  /** A peer whose credentials, if any, are taken. */
  public PeerIdentity(Optional<String> certificateGroup, Optional<String> bearerToken) {
    this(certificateGroup, bearerToken, Optional.empty());
  }

  /** A peer that presented a credential that is not taken, for this reason. */
  public static PeerIdentity refused(String reason) {
    return new PeerIdentity(Optional.empty(), Optional.empty(), Optional.of(reason));
  }

  @Override
  public String toString() {
    return "PeerIdentity[certificateGroup="
        + certificateGroup.orElse("-")
        + ", token="
        + (bearerToken.isPresent() ? "present" : "-")
        + refusedCredential.map(r -> ", refused: " + r).orElse("")
        + "]";
  }
}
