package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a globally limited request gets when its counters cannot be read. */
public enum RateLimitFailureMode {
  /** It passes: an outage of the counters never becomes an outage of the API. */
  @JsonProperty("FailOpen")
  FAIL_OPEN,
  /** It is refused: for limits that protect something that must not be flooded. */
  @JsonProperty("FailClosed")
  FAIL_CLOSED
}
