package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** numerator / denominator. */
@Doc("numerator / denominator.")
public record Fraction(
    @Required @Range(min = 0, max = 1000000) Integer numerator,
    @Range(min = 1, max = 1000000) @Default("100") Integer denominator) {
  public Fraction {
    requireNonNull(numerator, "numerator");
    denominator = denominator == null ? 100 : denominator;
  }
}
