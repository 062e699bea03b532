package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Active health check kinds. */
public enum HealthCheckType {
  @JsonProperty("HTTP")
  HTTP,
  @JsonProperty("GRPC")
  GRPC,
  @JsonProperty("TCP")
  TCP
}
