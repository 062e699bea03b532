package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** Counts by a request header. */
@Doc("Counts by a request header.")
public record HeaderSelector(
    @Required @Pattern(value = Patterns.HEADER_NAME, maxLength = 256) String name,
    @Size(min = 1, max = 1024)
        @Doc("Only requests whose header has exactly this value; without it, a counter per value.")
        String value) {
  public HeaderSelector {
    requireNonNull(name, "name");
  }
}
