package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The mesh a MeshBridge joins. */
public enum MeshKind {
  @JsonProperty("Consul")
  CONSUL,
  @JsonProperty("Istio")
  ISTIO,
  @JsonProperty("Standalone")
  STANDALONE
}
