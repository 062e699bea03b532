package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;

/** Ejects endpoints that keep failing. */
@Doc("Ejects endpoints that keep failing.")
public record OutlierDetection(
    @Range(min = 0, max = 1000) Integer consecutive5xx,
    @Range(min = 0, max = 1000) Integer consecutiveGatewayErrors,
    @Pattern(Patterns.DURATION) String interval,
    @Pattern(Patterns.DURATION) String baseEjectionTime,
    @Range(min = 0, max = 100) Integer maxEjectionPercent) {}
