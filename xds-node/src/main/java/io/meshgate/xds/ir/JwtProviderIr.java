package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A JWT issuer as one HTTP connection manager verifies it: tokens signed by keys of its key set
 * (JWKS), fetched by URL through a cluster of their own, or given inline (exactly one).
 *
 * @param name {@code <namespace>/<policy>/<provider>}, unique in the group
 * @param issuer the {@code iss} a token must carry; null: any
 * @param audiences one of these must be in the token's {@code aud}; empty: any
 * @param jwksUri the key set's URL; null with {@code localJwks}
 * @param jwksCluster the {@link DnsClusterIr} the keys are fetched through; null with {@code
 *     localJwks}
 * @param cacheDurationMillis how long fetched keys are kept; null: Envoy's default (10 minutes)
 * @param claimToHeaders verified claims copied into request headers
 * @param forward whether the token stays on the request sent upstream
 * @param localJwks the key set itself (JSON; public keys only), checked to hold a {@code keys} list
 *     of JWKs; null with {@code jwksUri}
 * @param clockSkewSeconds tolerance for {@code exp} and {@code nbf}; null: Envoy's 60 seconds
 * @param from where the token is read; null: Envoy's default ({@code Authorization: Bearer}, then
 *     the {@code access_token} query parameter)
 * @param jwksTimeoutMillis how long a fetch of the key set may take; null with {@code localJwks}
 * @param recomputeRoute whether Envoy picks the route again after a token of this provider is
 *     verified, so that a route's header match sees the claim headers (the resolver allows it only
 *     where every route of the virtual host has the same security before JWT)
 */
public record JwtProviderIr(
    String name,
    String issuer,
    List<String> audiences,
    String jwksUri,
    String jwksCluster,
    Long cacheDurationMillis,
    List<ClaimToHeaderIr> claimToHeaders,
    boolean forward,
    String localJwks,
    Integer clockSkewSeconds,
    TokenSourcesIr from,
    Long jwksTimeoutMillis,
    boolean recomputeRoute) {
  public JwtProviderIr {
    requireNonNull(name, "name");
    audiences = Lists.copy(audiences);
    if ((jwksUri == null) == (localJwks == null) || (jwksUri == null) != (jwksCluster == null)) {
      throw new IllegalArgumentException(
          "provider " + name + ": needs a jwksUri with its jwksCluster, or a localJwks");
    }
    claimToHeaders = Lists.copy(claimToHeaders);
    if ((jwksUri == null) != (jwksTimeoutMillis == null)) {
      throw new IllegalArgumentException(
          "provider " + name + ": a jwksUri needs its jwksTimeoutMillis, a localJwks none");
    }
  }

  /** Where a token is read: headers (after a prefix), query parameters, cookies. */
  public record TokenSourcesIr(
      List<HeaderSourceIr> headers, List<String> params, List<String> cookies) {
    public TokenSourcesIr {
      headers = Lists.copy(headers);
      params = Lists.copy(params);
      cookies = Lists.copy(cookies);
    }
  }

  /** A header that carries the token after {@code valuePrefix} (empty: the whole value). */
  public record HeaderSourceIr(String name, String valuePrefix) {
    public HeaderSourceIr {
      requireNonNull(name, "name");
      valuePrefix = valuePrefix == null ? "" : valuePrefix;
    }
  }

  /** A verified claim ({@code a.b} for a nested one) copied into a request header. */
  public record ClaimToHeaderIr(String claim, String header) {
    public ClaimToHeaderIr {
      requireNonNull(claim, "claim");
      requireNonNull(header, "header");
    }
  }
}
