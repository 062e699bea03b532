package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Digests an HMAC request signature may use. */
public enum HmacAlgorithm {
  @JsonProperty("SHA256")
  SHA256,
  @JsonProperty("SHA512")
  SHA512
}
