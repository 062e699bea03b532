package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A TLSRoute: TLS connections passed through by SNI hostname. */
@Doc("A TLSRoute: TLS connections passed through by SNI hostname.")
public record TlsRouteSpec(
    @Size(max = 32) List<ParentRef> parentRefs,
    @Size(max = 16) @Pattern(value = Patterns.HOSTNAME, maxLength = 253) List<String> hostnames,
    @Required @Size(min = 1, max = 16) List<BackendRule> rules)
    implements Spec {
  public TlsRouteSpec {
    parentRefs = Copies.list(parentRefs);
    hostnames = Copies.list(hostnames);
    rules = Copies.list(rules);
  }
}
