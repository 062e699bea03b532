package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** A value in a Secret of the same namespace. */
@Doc("A value in a Secret of the same namespace.")
public record SecretRef(
    @Required @Pattern(value = Patterns.NAME, maxLength = 253) @Doc("The Secret's name.")
        String name,
    @Pattern(value = Patterns.SECRET_KEY, maxLength = 253)
        @Doc("The key within the Secret; each use documents its default.")
        String key) {
  public SecretRef {
    requireNonNull(name, "name");
  }
}
