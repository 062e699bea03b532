package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Instances of a Consul service, with their health; optionally in other datacenters too, as
 * failover.
 */
@Doc(
    "Instances of a Consul service, with their health; optionally in other datacenters too, as failover.")
public record ConsulSource(
    @Required @Size(min = 1, max = 256) String service,
    @Size(min = 1, max = 256) @Doc("The datacenter to watch; default: the agent's own.")
        String datacenter,
    @Size(max = 16) @Doc("Instances must carry every tag.") List<String> tags,
    @Size(min = 1, max = 256) @Doc("Consul Enterprise.") String namespace,
    @Size(min = 1, max = 256) @Doc("Consul Enterprise.") String partition,
    @Size(max = 8)
        @Doc(
            "Datacenters to fail over to, in order: their instances get priority 1, 2, ... and take traffic only while the datacenters before them have too few healthy instances.")
        List<String> failover,
    @Doc(
            "Only instances whose checks all pass are healthy: with true, an instance with a warning check is unhealthy (Consul's OnlyPassing); default false, a warning is healthy with the service's Weights.Warning.")
        Boolean onlyPassing,
    @Doc(
            "The service's Connect-capable instances (its sidecar proxies and Connect-native instances, from /v1/health/connect) instead of the service's own: for Backends inside a Consul MeshBridge.")
        Boolean connect)
    implements EndpointSource {
  public ConsulSource {
    requireNonNull(service, "service");
    tags = Copies.list(tags);
    failover = Copies.list(failover);
  }

  /**
   * The same service in one datacenter, without failover: what one watch follows. It keeps {@code
   * onlyPassing}, which changes how the answer is read, so Backends that differ in it get watches
   * of their own; an absent {@code onlyPassing} and {@code false} are one watch.
   */
  public ConsulSource in(String datacenter) {
    return new ConsulSource(
        service,
        datacenter,
        tags,
        namespace,
        partition,
        List.of(),
        passingOnly() ? Boolean.TRUE : null,
        viaConnect() ? Boolean.TRUE : null);
  }

  /** Whether the watch lists Connect-capable instances ({@code connect}, default false). */
  public boolean viaConnect() {
    return Boolean.TRUE.equals(connect);
  }

  /** Whether a warning check makes an instance unhealthy ({@code onlyPassing}, default false). */
  public boolean passingOnly() {
    return Boolean.TRUE.equals(onlyPassing);
  }
}
