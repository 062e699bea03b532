package io.meshgate.xds.ir;

import java.util.List;

/**
 * Endpoints of one region and zone, with the locality's load-balancing weight (always > 0: gRPC
 * clients drop localities without one).
 *
 * @param priority 0 is used first; Envoy and gRPC spill to the next priority when too few endpoints
 *     of this one are healthy (zone failover)
 */
public record LocalityIr(
    String region, String zone, int weight, int priority, List<EndpointIr> endpoints) {
  public LocalityIr {
    region = region == null ? "" : region;
    zone = zone == null ? "" : zone;
    endpoints = Lists.copy(endpoints);
    if (weight <= 0) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
    }
  }
}
