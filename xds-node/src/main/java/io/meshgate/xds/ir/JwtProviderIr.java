package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A JWT issuer as one HTTP connection manager verifies it: tokens signed by keys of its remote key
 * set (JWKS), fetched through a cluster of their own.
 *
 * @param name {@code <namespace>/<policy>/<provider>}, unique in the group
 * @param issuer the {@code iss} a token must carry; null: any
 * @param audiences one of these must be in the token's {@code aud}; empty: any
 * @param jwksUri the key set's URL
 * @param jwksCluster the {@link DnsClusterIr} the keys are fetched through
 * @param cacheDurationMillis how long fetched keys are kept; null: Envoy's default (10 minutes)
 * @param claimToHeaders verified claims copied into request headers
 * @param forward whether the token stays on the request sent upstream
 */
public record JwtProviderIr(
    String name,
    String issuer,
    List<String> audiences,
    String jwksUri,
    String jwksCluster,
    Long cacheDurationMillis,
    List<ClaimToHeaderIr> claimToHeaders,
    boolean forward) {
  public JwtProviderIr {
    requireNonNull(name, "name");
    audiences = Lists.copy(audiences);
    requireNonNull(jwksUri, "jwksUri");
    requireNonNull(jwksCluster, "jwksCluster");
    claimToHeaders = Lists.copy(claimToHeaders);
  }

  /** A verified claim ({@code a.b} for a nested one) copied into a request header. */
  public record ClaimToHeaderIr(String claim, String header) {
    public ClaimToHeaderIr {
      requireNonNull(claim, "claim");
      requireNonNull(header, "header");
    }
  }
}
