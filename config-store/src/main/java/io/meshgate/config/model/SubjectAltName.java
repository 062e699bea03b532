package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** A name the backend's certificate must carry. */
@Doc("A name the backend's certificate must carry.")
public record SubjectAltName(
    @Required @Pattern("^(Hostname|URI)$") String type,
    @Pattern(value = Patterns.HOSTNAME, maxLength = 253) String hostname,
    @Size(min = 1, max = 253) String uri) {
  public SubjectAltName {
    requireNonNull(type, "type");
  }
}
