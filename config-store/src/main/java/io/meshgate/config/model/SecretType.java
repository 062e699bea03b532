package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Secret types meshgate understands, as Kubernetes names them. */
public enum SecretType {
  @JsonProperty("kubernetes.io/tls")
  TLS,
  @JsonProperty("Opaque")
  OPAQUE
}
