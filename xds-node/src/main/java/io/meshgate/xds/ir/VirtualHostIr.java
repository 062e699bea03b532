package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The routes of one hostname, in match precedence order (the first that matches wins). */
public record VirtualHostIr(String name, List<String> domains, List<RouteIr> routes) {
  public VirtualHostIr {
    requireNonNull(name, "name");
    domains = Lists.copy(domains);
    routes = Lists.copy(routes);
  }
}
