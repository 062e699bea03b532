package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * A mesh sidecar: the service it fronts (inbound) and the upstreams its application calls on local
 * ports, as Consul Connect declares them.
 */
@Doc(
    "A mesh sidecar: the service it fronts (inbound) and the upstreams its application calls on local ports, as Consul Connect declares them.")
public record SidecarSpec(
    @Required
        @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc("The Backend this sidecar's application serves.")
        String service,
    @Required SidecarInbound inbound,
    @Size(max = 64) List<SidecarUpstream> upstreams,
    @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc(
            "The service account of its SPIFFE ID; default: the service's Backend's mesh.serviceAccount, else the service's name.")
        String serviceAccount)
    implements Spec {
  public SidecarSpec {
    requireNonNull(service, "service");
    requireNonNull(inbound, "inbound");
    upstreams = Copies.list(upstreams);
  }
}
