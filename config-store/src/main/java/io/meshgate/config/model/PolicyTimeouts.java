package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;

/** Timeouts, as durations. */
@Doc("Timeouts, as durations.")
public record PolicyTimeouts(
    @Pattern(Patterns.DURATION) String request,
    @Pattern(Patterns.DURATION) String idle,
    @Pattern(Patterns.DURATION) String connect) {}
