package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How an event ended. Every event ends in exactly one. */
public enum Outcome {
  @JsonProperty("Accepted")
  ACCEPTED,
  @JsonProperty("Rejected")
  REJECTED,
  @JsonProperty("Deleted")
  DELETED
}
