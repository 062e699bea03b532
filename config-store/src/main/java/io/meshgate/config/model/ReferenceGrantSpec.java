package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Lets resources in other namespaces refer to resources in this one. */
@Doc("Lets resources in other namespaces refer to resources in this one.")
public record ReferenceGrantSpec(
    @Required @Size(min = 1, max = 16) List<ReferenceGrantFrom> from,
    @Required @Size(min = 1, max = 16) List<ReferenceGrantTo> to)
    implements Spec {
  public ReferenceGrantSpec {
    from = Copies.list(from);
    to = Copies.list(to);
  }
}
