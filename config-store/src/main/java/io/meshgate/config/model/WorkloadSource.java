package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** Workload resources (registered VMs) in this namespace whose labels match, on the named port. */
@Doc("Workload resources (registered VMs) in this namespace whose labels match, on the named port.")
public record WorkloadSource(
    @Required LabelSelector selector,
    @Pattern(value = Patterns.LABEL, maxLength = 15)
        @Doc("A port name of the Workloads; default: their first port.")
        String port)
    implements EndpointSource {
  public WorkloadSource {
    requireNonNull(selector, "selector");
  }
}
