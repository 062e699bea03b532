package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Retries of a rule. */
@Doc("Retries of a rule.")
public record HttpRouteRetry(
    @Size(max = 16) @Range(min = 400, max = 599) @Doc("Status codes that are retried.")
        List<Integer> codes,
    @Range(min = 0, max = 100) @Doc("Retries after the first try.") Integer attempts,
    @Pattern(Patterns.DURATION) @Doc("Base interval between tries.") String backoff) {
  public HttpRouteRetry {
    codes = Copies.list(codes);
  }
}
