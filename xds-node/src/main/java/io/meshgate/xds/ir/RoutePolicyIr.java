package io.meshgate.xds.ir;

/**
 * What policies add to a route beyond its timeout and retry: from TrafficPolicies an idle timeout,
 * a token bucket of its own, and fault injection; from a SecurityPolicy the JWT a request must
 * carry, the CORS policy, the client addresses allowed and who may call (authorization). Null parts
 * are unset.
 */
public record RoutePolicyIr(
    Long idleTimeoutMillis,
    LocalRateLimitIr rateLimit,
    FaultIr fault,
    JwtRequirementIr jwt,
    CorsIr cors,
    IpAccessIr ipAccess,
    AuthorizationIr authorization) {
  public static final RoutePolicyIr NONE =
      new RoutePolicyIr(null, null, null, null, null, null, null);

  /** Without a SecurityPolicy. */
  public RoutePolicyIr(Long idleTimeoutMillis, LocalRateLimitIr rateLimit, FaultIr fault) {
    this(idleTimeoutMillis, rateLimit, fault, null, null, null, null);
  }
}
