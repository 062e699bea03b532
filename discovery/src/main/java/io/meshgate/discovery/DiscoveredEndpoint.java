package io.meshgate.discovery;

import static java.util.Objects.requireNonNull;

/**
 * One endpoint of a Backend, wherever it was found.
 *
 * @param zone empty when unknown
 * @param region empty when unknown
 * @param source where it came from: {@code static}, {@code workload/NAME}, {@code consul/DC}, later
 *     {@code nomad}
 * @param health as the source reports it
 */
public record DiscoveredEndpoint(
    String address,
    int port,
    int weight,
    String zone,
    String region,
    String source,
    EndpointHealth health) {
  public DiscoveredEndpoint {
    requireNonNull(address, "address");
    zone = zone == null ? "" : zone;
    region = region == null ? "" : region;
    requireNonNull(source, "source");
    requireNonNull(health, "health");
    if (weight <= 0) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
    }
  }

  /** A healthy endpoint (static endpoints and passing Workloads). */
  public DiscoveredEndpoint(
      String address, int port, int weight, String zone, String region, String source) {
    this(address, port, weight, zone, region, source, EndpointHealth.HEALTHY);
  }
}
