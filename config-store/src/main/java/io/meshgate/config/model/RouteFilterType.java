package io.meshgate.config.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The filters a route rule can apply; GRPCRoute accepts a subset. */
public enum RouteFilterType {
  @JsonProperty("RequestHeaderModifier")
  REQUEST_HEADER_MODIFIER,
  @JsonProperty("ResponseHeaderModifier")
  RESPONSE_HEADER_MODIFIER,
  @JsonProperty("RequestRedirect")
  REQUEST_REDIRECT,
  @JsonProperty("URLRewrite")
  URL_REWRITE,
  @JsonProperty("RequestMirror")
  REQUEST_MIRROR,
  @JsonProperty("ExtensionRef")
  EXTENSION_REF
}
