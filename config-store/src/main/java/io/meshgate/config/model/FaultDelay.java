package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** A fixed delay for a share of requests. */
@Doc("A fixed delay for a share of requests.")
public record FaultDelay(
    @Required @Pattern(Patterns.DURATION) String fixedDelay,
    @Range(min = 0, max = 100) @Doc("Default 100.") Double percentage) {
  public FaultDelay {
    requireNonNull(fixedDelay, "fixedDelay");
  }
}
