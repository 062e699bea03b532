package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An address, port, load-balancing weight and health (written to the IR's YAML only when not
 * HEALTHY).
 */
public record EndpointIr(
    String address,
    int port,
    int weight,
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Healthy.class) Health health) {
  public EndpointIr {
    requireNonNull(address, "address");
    health = health == null ? Health.HEALTHY : health;
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
