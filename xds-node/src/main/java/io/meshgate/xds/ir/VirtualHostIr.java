package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The routes of one hostname, in match precedence order (the first that matches wins).
 *
 * @param rateLimit a token bucket shared by the host's routes (from a TrafficPolicy on the Gateway
 *     listener it came from); null: none
 * @param access who may call, on an in-mesh workload's inbound host; null: anyone
 */
public record VirtualHostIr(
    String name,
    List<String> domains,
    List<RouteIr> routes,
    LocalRateLimitIr rateLimit,
    AccessIr access) {
  public VirtualHostIr(String name, List<String> domains, List<RouteIr> routes) {
    this(name, domains, routes, null, null);
  }

  public VirtualHostIr(
      String name, List<String> domains, List<RouteIr> routes, LocalRateLimitIr rateLimit) {
    this(name, domains, routes, rateLimit, null);
  }

  public VirtualHostIr {
    requireNonNull(name, "name");
    domains = Lists.copy(domains);
    routes = Lists.copy(routes);
  }
}
