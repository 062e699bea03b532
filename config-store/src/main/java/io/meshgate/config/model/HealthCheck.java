package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** Active health checking of a backend's endpoints. */
@Doc("Active health checking of a backend's endpoints.")
public record HealthCheck(
    @Required @Doc("HTTP, GRPC or TCP; HTTP needs http.") HealthCheckType type,
    @Pattern(Patterns.DURATION) String interval,
    @Pattern(Patterns.DURATION) String timeout,
    @Range(min = 1, max = 1000) Integer unhealthyThreshold,
    @Range(min = 1, max = 1000) Integer healthyThreshold,
    HttpHealthCheck http,
    GrpcHealthCheck grpc) {
  public HealthCheck {
    requireNonNull(type, "type");
  }
}
