package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** Consul Connect's CA, reached over Consul's HTTP API. */
@Doc("Consul Connect's CA, reached over Consul's HTTP API.")
public record ConsulCa(
    @Required @Pattern(value = Patterns.HTTP_URL, maxLength = 1024) String address,
    @Pattern(value = Patterns.CONSUL_NAME, maxLength = 253) String datacenter,
    @Doc("Key default: token.") SecretRef token,
    @Pattern(value = Patterns.CONSUL_NAME, maxLength = 253) String namespace,
    @Size(min = 1, max = 256) String partition) {
  public ConsulCa {
    requireNonNull(address, "address");
  }

  /** Whether the bridge is in Consul's default admin partition (none named, or {@code default}). */
  public boolean inDefaultPartition() {
    return partition == null || partition.equals("default");
  }
}
