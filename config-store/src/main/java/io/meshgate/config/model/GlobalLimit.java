package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** At most {@code requests} per fixed window of one {@code unit}, aligned to the clock. */
@Doc(
    "At most requests per fixed window of one unit, aligned to the clock (a minute starts at :00).")
public record GlobalLimit(
    @Required @Range(min = 1, max = 4294967295L) Long requests, @Required RateLimitUnit unit) {
  public GlobalLimit {
    requireNonNull(requests, "requests");
    requireNonNull(unit, "unit");
  }
}
