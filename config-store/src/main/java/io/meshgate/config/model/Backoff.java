package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;

/** Exponential backoff bounds. */
@Doc("Exponential backoff bounds.")
public record Backoff(
    @Pattern(Patterns.DURATION) String baseInterval,
    @Pattern(Patterns.DURATION) String maxInterval) {}
