package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * What an issuer's discovery document says that meshgate uses (OpenID Connect Discovery 1.0, §3).
 * Every URL is https.
 *
 * @param issuer equal to the configured issuer (§4.3)
 * @param endSessionEndpoint where a provider ends its own session (RP-initiated logout); null when
 *     the document names none
 * @param jwksUri the provider's signing keys; null when the document names none
 */
public record IssuerMetadata(
    String issuer,
    String authorizationEndpoint,
    String tokenEndpoint,
    @Nullable String endSessionEndpoint,
    @Nullable String jwksUri) {
  public IssuerMetadata {
    requireNonNull(issuer, "issuer");
    requireNonNull(authorizationEndpoint, "authorizationEndpoint");
    requireNonNull(tokenEndpoint, "tokenEndpoint");
  }
}
