package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** A route's attachment: a Gateway (the default) or, mesh style, a meshgate Backend. */
@Doc("A route's attachment: a Gateway (the default) or, mesh style, a meshgate Backend.")
public record ParentRef(
    @Pattern(value = Patterns.GROUP, maxLength = 253)
        @Default("gateway.networking.k8s.io")
        @Doc("API group of the parent; meshgate.io for a Backend.")
        String group,
    @Pattern(value = Patterns.KIND, maxLength = 63)
        @Default("Gateway")
        @Doc("Gateway, or Backend (group meshgate.io) to steer mesh traffic to that Backend.")
        String kind,
    @Pattern(value = Patterns.LABEL, maxLength = 63)
        @Doc("Namespace of the parent; default: the route's.")
        String namespace,
    @Required @Pattern(value = Patterns.NAME, maxLength = 253) @Doc("Name of the parent.")
        String name,
    @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc("A listener name of the Gateway; absent: every listener that allows the route.")
        String sectionName,
    @Range(min = 1, max = 65535) @Doc("A listener port of the Gateway.") Integer port) {

  /** True when the route attaches to a meshgate Backend (mesh style) instead of a Gateway. */
  @JsonIgnore
  public boolean isBackend() {
    return Kind.Groups.MESHGATE.equals(group) && "Backend".equals(kind);
  }

  public ParentRef {
    group = group == null ? Kind.Groups.GATEWAY_API : group;
    kind = kind == null ? "Gateway" : kind;
    requireNonNull(name, "name");
  }
}
