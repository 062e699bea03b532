package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** A request header that carries the token, after an optional prefix such as "Bearer ". */
@Doc("A request header that carries the token, after an optional prefix such as \"Bearer \".")
public record JwtHeaderSource(
    @Required @Pattern(value = Patterns.HEADER_NAME, maxLength = 256) String name,
    @Size(max = 64) String valuePrefix) {
  public JwtHeaderSource {
    requireNonNull(name, "name");
  }
}
