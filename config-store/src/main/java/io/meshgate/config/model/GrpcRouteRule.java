package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Calls matching any of the matches go to the backendRefs by weight. */
@Doc("Calls matching any of the matches go to the backendRefs by weight.")
public record GrpcRouteRule(
    @Pattern(value = Patterns.NAME, maxLength = 253) String name,
    @Size(max = 64) List<GrpcRouteMatch> matches,
    @Size(max = 16) List<RouteFilter> filters,
    @Size(max = 16) List<BackendRef> backendRefs) {
  public GrpcRouteRule {
    matches = Copies.list(matches);
    filters = Copies.list(filters);
    backendRefs = Copies.list(backendRefs);
  }
}
