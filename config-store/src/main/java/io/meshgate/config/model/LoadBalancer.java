package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;

/** How requests spread over endpoints. */
@Doc("How requests spread over endpoints.")
public record LoadBalancer(
    @Required LoadBalancerType type,
    @Doc("For RingHash and Maglev only.") ConsistentHash consistentHash) {
  public LoadBalancer {
    requireNonNull(type, "type");
  }
}
