package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Healthy instances of a Consul service. */
@Doc("Healthy instances of a Consul service.")
public record ConsulSource(
    @Required @Size(min = 1, max = 256) String service,
    @Size(min = 1, max = 256) String datacenter,
    @Size(max = 16) @Doc("Instances must carry every tag.") List<String> tags,
    @Size(min = 1, max = 256) @Doc("Consul Enterprise.") String namespace,
    @Size(min = 1, max = 256) @Doc("Consul Enterprise.") String partition)
    implements EndpointSource {
  public ConsulSource {
    requireNonNull(service, "service");
    tags = Copies.list(tags);
  }
}
