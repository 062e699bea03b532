package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The routes of one hostname, in match precedence order (the first that matches wins).
 *
 * @param rateLimit a token bucket shared by the host's routes (from a TrafficPolicy on the Gateway
 *     listener it came from); null: none
 */
public record VirtualHostIr(
    String name, List<String> domains, List<RouteIr> routes, LocalRateLimitIr rateLimit) {
  public VirtualHostIr(String name, List<String> domains, List<RouteIr> routes) {
    this(name, domains, routes, null);
  }

  public VirtualHostIr {
    requireNonNull(name, "name");
    domains = Lists.copy(domains);
    routes = Lists.copy(routes);
  }
}
