package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;

/** Timeouts, as durations (10s, 500ms, 1m30s). */
@Doc("Timeouts, as durations (10s, 500ms, 1m30s).")
public record HttpRouteTimeouts(
    @Pattern(Patterns.DURATION) @Doc("The whole request, retries included.") String request,
    @Pattern(Patterns.DURATION) @Doc("One try to a backend.") String backendRequest) {}
