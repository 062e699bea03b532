package io.meshgate.discovery;

import static java.util.Objects.requireNonNull;

/**
 * One endpoint of a Backend, wherever it was found.
 *
 * @param zone empty when unknown
 * @param region empty when unknown
 * @param source where it came from: {@code static}, {@code workload/NAME}, later {@code consul},
 *     {@code nomad}
 */
public record DiscoveredEndpoint(
    String address, int port, int weight, String zone, String region, String source) {
  public DiscoveredEndpoint {
    requireNonNull(address, "address");
    zone = zone == null ? "" : zone;
    region = region == null ? "" : region;
    requireNonNull(source, "source");
    if (weight <= 0) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
    }
  }
}
