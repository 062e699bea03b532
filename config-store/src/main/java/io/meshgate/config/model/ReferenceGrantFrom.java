package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** Who may refer: a kind in a namespace. */
@Doc("Who may refer: a kind in a namespace.")
public record ReferenceGrantFrom(
    @Pattern(value = Patterns.GROUP, maxLength = 253) @Default("") String group,
    @Required @Pattern(value = Patterns.KIND, maxLength = 63) String kind,
    @Required @Pattern(value = Patterns.LABEL, maxLength = 63) String namespace) {
  public ReferenceGrantFrom {
    group = group == null ? "" : group;
    requireNonNull(kind, "kind");
    requireNonNull(namespace, "namespace");
  }
}
