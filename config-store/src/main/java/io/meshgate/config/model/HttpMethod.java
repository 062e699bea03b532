package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** HTTP request methods a route can match. */
public enum HttpMethod {
  @JsonProperty("GET")
  GET,
  @JsonProperty("HEAD")
  HEAD,
  @JsonProperty("POST")
  POST,
  @JsonProperty("PUT")
  PUT,
  @JsonProperty("DELETE")
  DELETE,
  @JsonProperty("CONNECT")
  CONNECT,
  @JsonProperty("OPTIONS")
  OPTIONS,
  @JsonProperty("TRACE")
  TRACE,
  @JsonProperty("PATCH")
  PATCH
}
