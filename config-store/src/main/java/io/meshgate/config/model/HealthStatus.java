package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A workload's health as its registration reports it. */
public enum HealthStatus {
  @JsonProperty("Passing")
  PASSING,
  @JsonProperty("Warning")
  WARNING,
  @JsonProperty("Critical")
  CRITICAL
}
