package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;

/** One filter of a route rule; the field named by type carries its settings. */
@Doc("One filter of a route rule; the field named by type carries its settings.")
public record RouteFilter(
    @Required
        @Doc(
            "GRPCRoute accepts RequestHeaderModifier, ResponseHeaderModifier, RequestMirror and ExtensionRef.")
        RouteFilterType type,
    HeaderModifier requestHeaderModifier,
    HeaderModifier responseHeaderModifier,
    RequestRedirect requestRedirect,
    UrlRewrite urlRewrite,
    RequestMirror requestMirror,
    @Doc("Accepted, not yet translated.") ObjectRef extensionRef) {
  public RouteFilter {
    requireNonNull(type, "type");
  }
}
