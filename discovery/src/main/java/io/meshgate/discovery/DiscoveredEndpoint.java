package io.meshgate.discovery;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One endpoint of a Backend, wherever it was found.
 *
 * @param zone empty when unknown
 * @param region empty when unknown
 * @param source where it came from, its provenance: {@code static}, {@code workload/NAME}, {@code
 *     consul/DC@INDEX}, {@code nomad/DC@INDEX}, {@code dns/HOSTNAME}; the index is the source's
 *     index ({@code X-Consul-Index}, {@code X-Nomad-Index}) of the answer that last carried the
 *     endpoint. Merged endpoints list every source, sorted, joined by {@code +}. Never part of what
 *     proxies are sent.
 * @param health as the source reports it
 * @param priority 0, or the place of a failover source after the first (its endpoints take traffic
 *     only while those before have too few healthy endpoints)
 * @param metadata labels the source reports (see {@link EndpointMetadata}), sorted by key, within
 *     its bounds; empty when none
 */
public record DiscoveredEndpoint(
    String address,
    int port,
    int weight,
    String zone,
    String region,
    String source,
    EndpointHealth health,
    int priority,
    Map<String, String> metadata) {
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
    metadata =
        metadata == null || metadata.isEmpty()
            ? Map.of()
            : Collections.unmodifiableSortedMap(new TreeMap<>(metadata));
    if (!EndpointMetadata.within(metadata)) {
      throw new IllegalArgumentException(
          "metadata: "
              + metadata.size()
              + " entries (expected: within EndpointMetadata's bounds; EndpointMetadata.bounded"
              + " drops the excess)");
    }
  }

  /** An endpoint without metadata. */
  public DiscoveredEndpoint(
      String address,
      int port,
      int weight,
      String zone,
      String region,
      String source,
      EndpointHealth health,
      int priority) {
    this(address, port, weight, zone, region, source, health, priority, Map.of());
  }

  /** An endpoint of the first source (priority 0) without metadata. */
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

  /** A healthy endpoint (static endpoints and passing Workloads). */
  public DiscoveredEndpoint(
      String address, int port, int weight, String zone, String region, String source) {
    this(address, port, weight, zone, region, source, EndpointHealth.HEALTHY, 0);
  }

  /** The same endpoint at another priority. */
  public DiscoveredEndpoint withPriority(int priority) {
    return new DiscoveredEndpoint(
        address, port, weight, zone, region, source, health, priority, metadata);
  }

  /** The same endpoint with another provenance. */
  public DiscoveredEndpoint withSource(String source) {
    return new DiscoveredEndpoint(
        address, port, weight, zone, region, source, health, priority, metadata);
  }

  /** The same endpoint with metadata (bounded by the caller, {@link EndpointMetadata#bounded}). */
  public DiscoveredEndpoint withMetadata(Map<String, String> metadata) {
    return new DiscoveredEndpoint(
        address, port, weight, zone, region, source, health, priority, metadata);
  }
}
