package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;

/** The health the registering agent reports, and the check it runs. */
@Doc("The health the registering agent reports, and the check it runs.")
public record WorkloadHealth(
    @Default("Passing") @Doc("Only Passing endpoints receive traffic.") HealthStatus status,
    WorkloadCheck check) {
  public WorkloadHealth {
    status = status == null ? HealthStatus.PASSING : status;
  }
}
