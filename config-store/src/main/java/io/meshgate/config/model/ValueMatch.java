package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** A header or query-parameter condition. */
@Doc("A header or query-parameter condition.")
public record ValueMatch(
    @Default("Exact") @Doc("Exact (default) or RegularExpression (RE2).") StringMatchType type,
    @Required
        @Pattern(value = Patterns.HEADER_NAME, maxLength = 256)
        @Doc("Header names match case-insensitively; query parameter names exactly.")
        String name,
    @Required @Size(min = 1, max = 4096) String value) {
  public ValueMatch {
    type = type == null ? StringMatchType.EXACT : type;
    requireNonNull(name, "name");
    requireNonNull(value, "value");
  }
}
