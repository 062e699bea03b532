package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** What may be referred to: a kind, and optionally one name. */
@Doc("What may be referred to: a kind, and optionally one name.")
public record ReferenceGrantTo(
    @Pattern(value = Patterns.GROUP, maxLength = 253) @Default("") String group,
    @Required @Pattern(value = Patterns.KIND, maxLength = 63) String kind,
    @Pattern(value = Patterns.NAME, maxLength = 253) String name) {
  public ReferenceGrantTo {
    group = group == null ? "" : group;
    requireNonNull(kind, "kind");
  }
}
