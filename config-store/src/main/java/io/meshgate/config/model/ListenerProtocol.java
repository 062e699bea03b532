package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a Gateway listener accepts. */
public enum ListenerProtocol {
  @JsonProperty("HTTP")
  HTTP,
  @JsonProperty("HTTPS")
  HTTPS,
  @JsonProperty("TLS")
  TLS,
  @JsonProperty("TCP")
  TCP
}
