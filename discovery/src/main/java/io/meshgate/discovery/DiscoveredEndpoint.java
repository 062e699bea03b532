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
 * @param priority 0, or the place of a failover source after the first (its endpoints take traffic
 *     only while those before have too few healthy endpoints)
 */
public record DiscoveredEndpoint(
    String address,
    int port,
    int weight,
    String zone,
    String region,
    String source,
    EndpointHealth health,
    int priority) {
  public DiscoveredEndpoint {
    requireNonNull(address, "address");
    zone = zone == null ? "" : zone;
    region = region == null ? "" : region;
    requireNonNull(source, "source");
    requireNonNull(health, "health");
    if (weight <= 0) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
    }
    if (priority < 0) {
      throw new IllegalArgumentException("priority: " + priority + " (expected: >= 0)");
    }
  }

  /** An endpoint of the first source (priority 0). */
  public DiscoveredEndpoint(
      String address,
      int port,
      int weight,
      String zone,
      String region,
      String source,
      EndpointHealth health) {
    this(address, port, weight, zone, region, source, health, 0);
  }

  /** The same endpoint at another priority. */
  public DiscoveredEndpoint withPriority(int priority) {
    return new DiscoveredEndpoint(address, port, weight, zone, region, source, health, priority);
  }

  /** A healthy endpoint (static endpoints and passing Workloads). */
  public DiscoveredEndpoint(
      String address, int port, int weight, String zone, String region, String source) {
    this(address, port, weight, zone, region, source, EndpointHealth.HEALTHY, 0);
  }
}
