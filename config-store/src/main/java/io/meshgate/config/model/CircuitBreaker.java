package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;

/** Upper bounds on a backend's connections and requests, per Envoy. */
@Doc("Upper bounds on a backend's connections and requests, per Envoy.")
public record CircuitBreaker(
    @Range(min = 0, max = 4294967295L) Integer maxConnections,
    @Range(min = 0, max = 4294967295L) Integer maxPendingRequests,
    @Range(min = 0, max = 4294967295L) Integer maxRequests,
    @Range(min = 0, max = 4294967295L) Integer maxRetries) {}
