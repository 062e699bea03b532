package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A VM instance registering itself: where it listens, its locality and its health. */
@Doc("A VM instance registering itself: where it listens, its locality and its health.")
public record WorkloadSpec(
    @Required @Size(min = 1, max = 253) @Doc("An IP address or a DNS name.") String address,
    @Required @Size(min = 1, max = 32) List<WorkloadPort> ports,
    @Size(min = 1, max = 128) String zone,
    @Size(min = 1, max = 128) String region,
    @Range(min = 1, max = 128) @Default("1") Integer weight,
    WorkloadHealth health)
    implements Spec {
  public WorkloadSpec {
    requireNonNull(address, "address");
    ports = Copies.list(ports);
    weight = weight == null ? 1 : weight;
  }
}
