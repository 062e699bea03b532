package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** A header name and value. */
@Doc("A header name and value.")
public record HttpHeader(
    @Required @Pattern(value = Patterns.HEADER_NAME, maxLength = 256) String name,
    @Required @Size(max = 4096) String value) {
  public HttpHeader {
    requireNonNull(name, "name");
    requireNonNull(value, "value");
  }
}
