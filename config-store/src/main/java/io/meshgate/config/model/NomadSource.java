package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Instances of a Nomad native service. */
@Doc("Instances of a Nomad native service.")
public record NomadSource(
    @Required @Size(min = 1, max = 256) String service,
    @Size(min = 1, max = 256) String namespace,
    @Size(max = 16) List<String> tags,
    @Doc(
            "Read the results of Nomad's service checks (Nomad 1.4+, one request per allocation, with each answer and at least every 10 s): an instance with a failing or not yet run check is unhealthy. Default false: every instance is healthy, as Nomad's service endpoint reports no health.")
        Boolean checks)
    implements EndpointSource {
  public NomadSource {
    requireNonNull(service, "service");
    tags = Copies.list(tags);
  }

  /** Whether check results are read ({@code checks}, default false). */
  public boolean readsChecks() {
    return Boolean.TRUE.equals(checks);
  }
}
