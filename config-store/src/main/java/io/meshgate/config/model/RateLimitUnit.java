package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The period a rate limit counts over. */
public enum RateLimitUnit {
  @JsonProperty("Second")
  SECOND,
  @JsonProperty("Minute")
  MINUTE,
  @JsonProperty("Hour")
  HOUR,
  @JsonProperty("Day")
  DAY
}
