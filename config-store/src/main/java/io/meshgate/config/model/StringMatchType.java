package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a header, query parameter or gRPC method value is matched. */
public enum StringMatchType {
  @JsonProperty("Exact")
  EXACT,
  @JsonProperty("RegularExpression")
  REGULAR_EXPRESSION
}
