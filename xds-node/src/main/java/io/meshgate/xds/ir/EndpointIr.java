package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An address, port, load-balancing weight, health (written to the IR's YAML only when not HEALTHY)
 * and metadata (labels its source reports, sorted by key; written only when there are any). No
 * provenance: what is here reaches proxies, and where an endpoint was found (and at which index) is
 * no part of it.
 */
public record EndpointIr(
    String address,
    int port,
    int weight,
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Healthy.class) Health health,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> metadata) {
  public EndpointIr {
    requireNonNull(address, "address");
    health = health == null ? Health.HEALTHY : health;
    // Empty is Map.of(): most endpoints have no metadata, and an empty TreeMap costs an iterator
    // in every hashCode.
    metadata =
        metadata == null || metadata.isEmpty()
            ? Map.of()
            : Collections.unmodifiableSortedMap(new TreeMap<>(metadata));
  }

  /** An endpoint without metadata. */
  public EndpointIr(String address, int port, int weight, Health health) {
    this(address, port, weight, health, Map.of());
  }

  /** A healthy endpoint. */
  public EndpointIr(String address, int port, int weight) {
    this(address, port, weight, Health.HEALTHY);
  }

  /** Envoy's health statuses that a source can report. */
  public enum Health {
    HEALTHY,
    UNHEALTHY,
    DRAINING
  }

  /** Jackson's value filter: true (leave out) for HEALTHY. */
  static final class Healthy {
    @Override
    public boolean equals(Object value) {
      return value == null || value == Health.HEALTHY;
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }
}
