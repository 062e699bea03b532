package io.meshgate.xds.ir;

/**
 * What policies add to a route beyond its timeout and retry: from TrafficPolicies an idle timeout,
 * a token bucket of its own, and fault injection; from a SecurityPolicy the JWT a request must
 * carry, the CORS policy, the client addresses allowed, the API keys and the basic-auth users it
 * takes, the external authorization, the OIDC login ({@code oauth2}: the name of the connection
 * manager's filter to enable on the route) and who may call (authorization). Null parts are unset.
 */
public record RoutePolicyIr(
    Long idleTimeoutMillis,
    LocalRateLimitIr rateLimit,
    FaultIr fault,
    JwtRequirementIr jwt,
    CorsIr cors,
    IpAccessIr ipAccess,
    ApiKeyAuthIr apiKeyAuth,
    BasicAuthIr basicAuth,
    ExtAuthRouteIr extAuth,
    String oauth2,
    AuthorizationIr authorization) {
  public static final RoutePolicyIr NONE =
      new RoutePolicyIr(null, null, null, null, null, null, null, null, null, null, null);

  /** Without a SecurityPolicy. */
  public RoutePolicyIr(Long idleTimeoutMillis, LocalRateLimitIr rateLimit, FaultIr fault) {
    this(idleTimeoutMillis, rateLimit, fault, null, null, null, null, null, null, null, null);
  }

  /** Without credentials, external authorization, OIDC login or authorization. */
  public RoutePolicyIr(
      Long idleTimeoutMillis,
      LocalRateLimitIr rateLimit,
      FaultIr fault,
      JwtRequirementIr jwt,
      CorsIr cors,
      IpAccessIr ipAccess) {
    this(idleTimeoutMillis, rateLimit, fault, jwt, cors, ipAccess, null, null, null, null, null);
  }

  /** The same, without API keys or basic-auth users (for a route that carries none). */
  public RoutePolicyIr withoutCredentials() {
    return new RoutePolicyIr(
        idleTimeoutMillis,
        rateLimit,
        fault,
        jwt,
        cors,
        ipAccess,
        null,
        null,
        extAuth,
        oauth2,
        authorization);
  }
}
