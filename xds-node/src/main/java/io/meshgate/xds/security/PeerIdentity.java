package io.meshgate.xds.security;

import java.util.Optional;

/**
 * What a stream's peer presented: the group of its client certificate (from the SPIFFE URI SAN), a
 * bearer token, or nothing. Captured once per call by {@link ProxyAuthenticator}.
 *
 * @param certificateGroup the group named by a verified client certificate
 * @param bearerToken the raw token from {@code authorization: Bearer ...}; never logged
 */
public record PeerIdentity(Optional<String> certificateGroup, Optional<String> bearerToken) {
  public static final PeerIdentity NONE = new PeerIdentity(Optional.empty(), Optional.empty());

  @Override
  public String toString() {
    return "PeerIdentity[certificateGroup="
        + certificateGroup.orElse("-")
        + ", token="
        + (bearerToken.isPresent() ? "present" : "-")
        + "]";
  }
}
