package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A TCPRoute: TCP connections forwarded to backends. */
@Doc("A TCPRoute: TCP connections forwarded to backends.")
public record TcpRouteSpec(
    @Size(max = 32) List<ParentRef> parentRefs,
    @Required @Size(min = 1, max = 16) List<BackendRule> rules)
    implements Spec {
  public TcpRouteSpec {
    parentRefs = Copies.list(parentRefs);
    rules = Copies.list(rules);
  }
}
