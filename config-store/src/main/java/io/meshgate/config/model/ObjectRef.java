package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** A reference to an object in the same namespace, by group, kind and name. */
@Doc("A reference to an object in the same namespace, by group, kind and name.")
public record ObjectRef(
    @Pattern(value = Patterns.GROUP, maxLength = 253) @Default("") String group,
    @Required @Pattern(value = Patterns.KIND, maxLength = 63) String kind,
    @Required @Pattern(value = Patterns.NAME, maxLength = 253) String name) {
  public ObjectRef {
    group = group == null ? "" : group;
    requireNonNull(kind, "kind");
    requireNonNull(name, "name");
  }
}
