package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How an external authorization service is called. */
public enum ExtAuthProtocol {
  @JsonProperty("GRPC")
  GRPC,
  @JsonProperty("HTTP")
  HTTP
}
