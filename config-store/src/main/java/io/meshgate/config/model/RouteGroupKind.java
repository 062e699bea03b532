package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** A route kind a listener accepts. */
@Doc("A route kind a listener accepts.")
public record RouteGroupKind(
    @Pattern(value = Patterns.GROUP, maxLength = 253) @Default("gateway.networking.k8s.io")
        String group,
    @Required @Pattern(value = Patterns.KIND, maxLength = 63) String kind) {
  public RouteGroupKind {
    group = group == null ? Kind.Groups.GATEWAY_API : group;
    requireNonNull(kind, "kind");
  }
}
