package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;

/** Rewrites the host and path before forwarding. */
@Doc("Rewrites the host and path before forwarding.")
public record UrlRewrite(
    @Pattern(value = Patterns.PRECISE_HOSTNAME, maxLength = 253) String hostname,
    PathModifier path) {}
