package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/**
 * What a policy attaches to: a Gateway, an HTTPRoute or GRPCRoute, a Backend, or (kind Service) the
 * Backend of that name; sectionName narrows it to a listener or a named rule.
 */
@Doc(
    "What a policy attaches to: a Gateway, an HTTPRoute or GRPCRoute, a Backend, or (kind Service) the Backend of that name; sectionName narrows it to a listener or a named rule.")
public record PolicyTargetRef(
    @Pattern(value = Patterns.GROUP, maxLength = 253) @Default("") String group,
    @Required @Pattern(value = Patterns.KIND, maxLength = 63) String kind,
    @Required @Pattern(value = Patterns.NAME, maxLength = 253) String name,
    @Pattern(value = Patterns.NAME, maxLength = 253) String sectionName) {
  public PolicyTargetRef {
    group = group == null ? "" : group;
    requireNonNull(kind, "kind");
    requireNonNull(name, "name");
  }
}
