package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** Replaces the full path or the matched prefix. */
@Doc("Replaces the full path or the matched prefix.")
public record PathModifier(
    @Required PathModifierType type,
    @Size(max = 1024) @Pattern(Patterns.PATH) String replaceFullPath,
    @Size(max = 1024) @Pattern(Patterns.PATH) String replacePrefixMatch) {
  public PathModifier {
    requireNonNull(type, "type");
  }
}
