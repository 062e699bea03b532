package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** A check of the workload's own port. */
@Doc("A check of the workload's own port.")
public record WorkloadCheck(
    @Required HealthCheckType type,
    @Pattern(value = Patterns.LABEL, maxLength = 15) @Doc("Port name; default the first port.")
        String port,
    @Size(max = 1024) @Pattern(Patterns.PATH) @Doc("HTTP only.") String path,
    @Pattern(Patterns.DURATION) String interval,
    @Pattern(Patterns.DURATION) String timeout) {
  public WorkloadCheck {
    requireNonNull(type, "type");
  }
}
