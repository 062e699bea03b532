package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Client address rules in CIDR form; deny wins over allow, and a non-empty allow list denies the
 * rest.
 */
@Doc(
    "Client address rules in CIDR form; deny wins over allow, and a non-empty allow list denies the rest.")
public record IpAccess(
    @Size(max = 256) @Pattern(Patterns.CIDR) List<String> allow,
    @Size(max = 256) @Pattern(Patterns.CIDR) List<String> deny) {
  public IpAccess {
    allow = Copies.list(allow);
    deny = Copies.list(deny);
  }
}
