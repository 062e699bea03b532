package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * One route: what it matches, what it does, and the resource it came from.
 *
 * @param policy idle timeout, rate limit and faults from TrafficPolicies; null: none
 */
public record RouteIr(
    String name,
    RouteMatchIr match,
    RouteActionIr action,
    HeaderOpsIr requestHeaders,
    HeaderOpsIr responseHeaders,
    Long timeoutMillis,
    RetryIr retry,
    RoutePolicyIr policy,
    SourceRef source) {
  public RouteIr {
    requireNonNull(name, "name");
    requireNonNull(match, "match");
    requireNonNull(action, "action");
    requireNonNull(source, "source");
  }
}
