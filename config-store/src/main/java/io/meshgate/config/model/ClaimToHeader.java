package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** Copies a verified claim into a request header. */
@Doc("Copies a verified claim into a request header.")
public record ClaimToHeader(
    @Required @Size(min = 1, max = 256) String claim,
    @Required @Pattern(value = Patterns.HEADER_NAME, maxLength = 256) String header) {
  public ClaimToHeader {
    requireNonNull(claim, "claim");
    requireNonNull(header, "header");
  }
}
