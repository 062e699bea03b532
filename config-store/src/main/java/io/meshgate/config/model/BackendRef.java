package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/**
 * Where a route rule sends traffic. Kind {@code Service} (Gateway API's default) names the meshgate
 * Backend of the same name.
 */
@Doc(
    "Where a route rule sends traffic. Kind {@code Service} (Gateway API's default) names the meshgate Backend of the same name.")
public record BackendRef(
    @Pattern(value = Patterns.GROUP, maxLength = 253)
        @Default("")
        @Doc("Empty (core) with kind Service, or meshgate.io with kind Backend.")
        String group,
    @Pattern(value = Patterns.KIND, maxLength = 63)
        @Default("Service")
        @Doc("Service or Backend; both name a meshgate Backend.")
        String kind,
    @Required @Pattern(value = Patterns.NAME, maxLength = 253) @Doc("Name of the Backend.")
        String name,
    @Pattern(value = Patterns.LABEL, maxLength = 63)
        @Doc("Namespace of the Backend; another namespace needs a ReferenceGrant there.")
        String namespace,
    @Range(min = 1, max = 65535) @Doc("Picks the endpoints' port when the Backend has several.")
        Integer port,
    @Range(min = 0, max = 1000000)
        @Default("1")
        @Doc("Share of requests, relative to the rule's other backendRefs; 0 sends none.")
        Integer weight) {
  public BackendRef {
    group = group == null ? "" : group;
    kind = kind == null ? "Service" : kind;
    requireNonNull(name, "name");
    weight = weight == null ? 1 : weight;
  }
}
