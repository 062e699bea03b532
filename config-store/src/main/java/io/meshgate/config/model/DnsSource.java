package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;

/** A hostname resolved by DNS, and the port to use. */
@Doc("A hostname resolved by DNS, and the port to use.")
public record DnsSource(
    @Required @Pattern(value = Patterns.PRECISE_HOSTNAME, maxLength = 253) String hostname,
    @Required @Range(min = 1, max = 65535) Integer port)
    implements EndpointSource {
  public DnsSource {
    requireNonNull(hostname, "hostname");
    requireNonNull(port, "port");
  }
}
