package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a claim is written in the token: one string, or a list of strings. */
public enum JwtClaimValueType {
  @JsonProperty("String")
  STRING,
  @JsonProperty("StringArray")
  STRING_ARRAY
}
