package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** An address and port, with an optional weight and locality. */
@Doc("An address and port, with an optional weight and locality.")
public record StaticEndpoint(
    @Required @Size(min = 1, max = 253) @Doc("An IP address or a DNS name.") String address,
    @Required @Range(min = 1, max = 65535) Integer port,
    @Range(min = 1, max = 128)
        @Default("1")
        @Doc("Relative to the other endpoints of its locality.")
        Integer weight,
    @Size(min = 1, max = 128) String zone,
    @Size(min = 1, max = 128) String region) {
  public StaticEndpoint {
    requireNonNull(address, "address");
    requireNonNull(port, "port");
    weight = weight == null ? 1 : weight;
  }
}
