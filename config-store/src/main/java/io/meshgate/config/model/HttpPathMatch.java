package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Size;

/** A path condition. */
@Doc("A path condition.")
public record HttpPathMatch(
    @Default("PathPrefix")
        @Doc("Exact, PathPrefix (default; matches whole segments), RegularExpression (RE2).")
        PathMatchType type,
    @Size(min = 1, max = 1024) @Default("/") @Doc("Starts with / for Exact and PathPrefix.")
        String value) {
  public HttpPathMatch {
    type = type == null ? PathMatchType.PATH_PREFIX : type;
    value = value == null ? "/" : value;
  }
}
