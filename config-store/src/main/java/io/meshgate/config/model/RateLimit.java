package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;

/** Rate limits. */
@Doc("Rate limits.")
public record RateLimit(@Doc("Counted by each Envoy on its own.") LocalRateLimit local) {}
