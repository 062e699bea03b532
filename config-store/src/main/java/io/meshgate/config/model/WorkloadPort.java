package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** A port the workload serves, by name. */
@Doc("A port the workload serves, by name.")
public record WorkloadPort(
    @Required @Pattern(value = Patterns.LABEL, maxLength = 15) String name,
    @Required @Range(min = 1, max = 65535) Integer port,
    @Default("HTTP") BackendProtocol protocol) {
  public WorkloadPort {
    requireNonNull(name, "name");
    requireNonNull(port, "port");
    protocol = protocol == null ? BackendProtocol.HTTP : protocol;
  }
}
