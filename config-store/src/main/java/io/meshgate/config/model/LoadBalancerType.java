package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Load-balancing algorithms. */
public enum LoadBalancerType {
  @JsonProperty("RoundRobin")
  ROUND_ROBIN,
  @JsonProperty("LeastRequest")
  LEAST_REQUEST,
  @JsonProperty("Random")
  RANDOM,
  @JsonProperty("RingHash")
  RING_HASH,
  @JsonProperty("Maglev")
  MAGLEV
}
