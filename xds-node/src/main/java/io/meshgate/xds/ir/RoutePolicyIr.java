package io.meshgate.xds.ir;

/**
 * What policies add to a route beyond its timeout and retry: from TrafficPolicies an idle timeout,
 * a token bucket of its own, fault injection and the limits counted across replicas ({@code
 * globalRateLimit}); from SecurityPolicies everything {@link RouteSecurityIr} holds; from
 * TransformPolicies what {@link TransformIr} holds. Null parts are unset. The accessors named after
 * the security parts read through {@code security} (null when it is).
 */
public record RoutePolicyIr(
    Long idleTimeoutMillis,
    LocalRateLimitIr rateLimit,
    FaultIr fault,
    RouteSecurityIr security,
    GlobalRateLimitIr globalRateLimit,
    TransformIr transform) {
  public static final RoutePolicyIr NONE = new RoutePolicyIr(null, null, null, null, null, null);

  /** Without a SecurityPolicy, global rate limits or a TransformPolicy. */
  public RoutePolicyIr(Long idleTimeoutMillis, LocalRateLimitIr rateLimit, FaultIr fault) {
    this(idleTimeoutMillis, rateLimit, fault, null, null, null);
  }

  /** Without global rate limits or a TransformPolicy. */
  public RoutePolicyIr(
      Long idleTimeoutMillis, LocalRateLimitIr rateLimit, FaultIr fault, RouteSecurityIr security) {
    this(idleTimeoutMillis, rateLimit, fault, security, null, null);
  }

  /** The same, without API keys or basic-auth users (for a route that carries none). */
  public RoutePolicyIr withoutCredentials() {
    return new RoutePolicyIr(
        idleTimeoutMillis,
        rateLimit,
        fault,
        security == null ? null : security.withoutCredentials(),
        globalRateLimit,
        transform);
  }

  public CorsIr cors() {
    return security == null ? null : security.cors();
  }

  public IpAccessIr ipAccess() {
    return security == null ? null : security.ipAccess();
  }

  public String oauth2() {
    return security == null ? null : security.oauth2();
  }

  public ApiKeyAuthIr apiKeyAuth() {
    return security == null ? null : security.apiKeyAuth();
  }

  public BasicAuthIr basicAuth() {
    return security == null ? null : security.basicAuth();
  }

  public JwtRequirementIr jwt() {
    return security == null ? null : security.jwt();
  }

  public AuthorizationIr authorization() {
    return security == null ? null : security.authorization();
  }

  public ExtAuthRouteIr extAuth() {
    return security == null ? null : security.extAuth();
  }

  public WafRouteIr waf() {
    return security == null ? null : security.waf();
  }

  public HmacIr hmac() {
    return security == null ? null : security.hmac();
  }
}
