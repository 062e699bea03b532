package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A TLSRoute or TCPRoute rule: backends by weight. */
@Doc("A TLSRoute or TCPRoute rule: backends by weight.")
public record BackendRule(
    @Pattern(value = Patterns.NAME, maxLength = 253) String name,
    @Required @Size(min = 1, max = 16) List<BackendRef> backendRefs) {
  public BackendRule {
    backendRefs = Copies.list(backendRefs);
  }
}
