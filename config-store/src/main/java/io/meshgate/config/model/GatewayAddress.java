package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** An address the Gateway should be reachable at. */
@Doc("An address the Gateway should be reachable at.")
public record GatewayAddress(
    @Size(max = 253) @Default("IPAddress") String type,
    @Required @Size(min = 1, max = 253) String value) {
  public GatewayAddress {
    type = type == null ? "IPAddress" : type;
    requireNonNull(value, "value");
  }
}
