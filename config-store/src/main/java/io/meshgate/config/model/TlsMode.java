package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A listener's TLS handling: terminate here, or pass through by SNI. */
public enum TlsMode {
  @JsonProperty("Terminate")
  TERMINATE,
  @JsonProperty("Passthrough")
  PASSTHROUGH
}
