package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the WAF does with a request the rules flag. */
public enum WafMode {
  /** Refuse it (403 from the WAF). */
  @JsonProperty("Block")
  BLOCK,
  /** Let it through and log the match. */
  @JsonProperty("DetectionOnly")
  DETECTION_ONLY
}
