package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which namespaces may attach routes to a listener. */
public enum FromNamespaces {
  @JsonProperty("All")
  ALL,
  @JsonProperty("Same")
  SAME,
  @JsonProperty("Selector")
  SELECTOR
}
