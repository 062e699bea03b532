package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A Gateway: the listeners of one shared Envoy gateway. */
@Doc("A Gateway: the listeners of one shared Envoy gateway.")
public record GatewaySpec(
    @Size(max = 253)
        @Doc("Accepted for compatibility with Kubernetes YAML; meshgate serves every class.")
        String gatewayClassName,
    @Required @Size(min = 1, max = 64) @Doc("Listeners; each port and hostname pair once.")
        List<GatewayListener> listeners,
    @Size(max = 16) @Doc("Addresses the gateway should be reachable at (informational).")
        List<GatewayAddress> addresses)
    implements Spec {
  public GatewaySpec {
    listeners = Copies.list(listeners);
    addresses = Copies.list(addresses);
  }
}
