package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Size;

/** Matches /service/method; either may be left out to match any, not both. */
@Doc("Matches /service/method; either may be left out to match any, not both.")
public record GrpcMethodMatch(
    @Default("Exact") StringMatchType type,
    @Size(max = 1024) @Doc("Fully qualified, e.g. echo.v1.Echo.") String service,
    @Size(max = 1024) String method) {
  public GrpcMethodMatch {
    type = type == null ? StringMatchType.EXACT : type;
  }
}
