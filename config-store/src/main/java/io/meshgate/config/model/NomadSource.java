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
    @Size(max = 16) List<String> tags)
    implements EndpointSource {
  public NomadSource {
    requireNonNull(service, "service");
    tags = Copies.list(tags);
  }
}
