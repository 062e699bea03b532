package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;

/**
 * Rate limits: a bucket each Envoy counts on its own, limits counted across every replica, or both.
 */
@Doc(
    "Rate limits: a bucket each Envoy counts on its own, limits counted across every replica, or both.")
public record RateLimit(
    @Doc("Counted by each Envoy on its own.") LocalRateLimit local,
    @Doc(
            "Counted once across every gateway replica, by meshgate's rate limit service (counters in Redis).")
        GlobalRateLimit global) {}
