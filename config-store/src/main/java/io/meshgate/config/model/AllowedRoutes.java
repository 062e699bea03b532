package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Which routes may attach to a listener. */
@Doc("Which routes may attach to a listener.")
public record AllowedRoutes(RouteNamespaces namespaces, @Size(max = 8) List<RouteGroupKind> kinds) {
  public AllowedRoutes {
    kinds = Copies.list(kinds);
  }
}
