package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a TrafficPermission does with the callers it names. */
public enum PermissionAction {
  @JsonProperty("Allow")
  ALLOW,
  @JsonProperty("Deny")
  DENY
}
