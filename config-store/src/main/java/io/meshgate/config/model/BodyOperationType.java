package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a body operation does. */
public enum BodyOperationType {
  @JsonProperty("Move")
  MOVE,
  @JsonProperty("Remove")
  REMOVE,
  @JsonProperty("Set")
  SET
}
