package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The application protocol a backend speaks. */
public enum BackendProtocol {
  @JsonProperty("HTTP")
  HTTP,
  @JsonProperty("HTTP2")
  HTTP2,
  @JsonProperty("GRPC")
  GRPC,
  @JsonProperty("TCP")
  TCP
}
