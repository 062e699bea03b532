package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Requests matching any of the matches get the filters applied and go to the backendRefs by weight.
 */
@Doc(
    "Requests matching any of the matches get the filters applied and go to the backendRefs by weight.")
public record HttpRouteRule(
    @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc("Names the rule for policies' sectionName.")
        String name,
    @Size(max = 64) @Doc("Any one must hold; absent: prefix /.") List<HttpRouteMatch> matches,
    @Size(max = 16) List<RouteFilter> filters,
    @Size(max = 16) @Doc("Weighted backends; none, or all missing: the rule answers 500.")
        List<BackendRef> backendRefs,
    HttpRouteTimeouts timeouts,
    HttpRouteRetry retry) {
  public HttpRouteRule {
    matches = Copies.list(matches);
    filters = Copies.list(filters);
    backendRefs = Copies.list(backendRefs);
  }
}
