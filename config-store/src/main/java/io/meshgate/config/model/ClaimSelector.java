package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** Counts by a top-level string claim of the verified JWT. */
@Doc("Counts by a top-level string claim of the verified JWT.")
public record ClaimSelector(
    @Required @Pattern(value = Patterns.SECRET_KEY, maxLength = 256) @Doc("The claim, e.g. sub.")
        String name) {
  public ClaimSelector {
    requireNonNull(name, "name");
  }
}
