package io.meshgate.xds.ir;

/**
 * What TrafficPolicies add to a route beyond its timeout and retry: an idle timeout, a token bucket
 * of its own, and fault injection. Null parts are unset.
 */
public record RoutePolicyIr(Long idleTimeoutMillis, LocalRateLimitIr rateLimit, FaultIr fault) {
  public static final RoutePolicyIr NONE = new RoutePolicyIr(null, null, null);
}
