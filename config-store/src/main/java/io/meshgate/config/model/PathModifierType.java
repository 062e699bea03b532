package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a redirect or rewrite changes the path. */
public enum PathModifierType {
  @JsonProperty("ReplaceFullPath")
  REPLACE_FULL_PATH,
  @JsonProperty("ReplacePrefixMatch")
  REPLACE_PREFIX_MATCH
}
