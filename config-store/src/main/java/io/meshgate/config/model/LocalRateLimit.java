package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** A token bucket: requests per unit, with an optional burst above it. */
@Doc("A token bucket: requests per unit, with an optional burst above it.")
public record LocalRateLimit(
    @Required @Range(min = 1, max = 4294967295L) Integer requests,
    @Required RateLimitUnit unit,
    @Range(min = 0, max = 4294967295L) Integer burst) {
  public LocalRateLimit {
    requireNonNull(requests, "requests");
    requireNonNull(unit, "unit");
  }
}
