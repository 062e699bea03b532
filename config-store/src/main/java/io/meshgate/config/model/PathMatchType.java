package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a request path is matched. */
public enum PathMatchType {
  @JsonProperty("Exact")
  EXACT,
  @JsonProperty("PathPrefix")
  PATH_PREFIX,
  @JsonProperty("RegularExpression")
  REGULAR_EXPRESSION
}
