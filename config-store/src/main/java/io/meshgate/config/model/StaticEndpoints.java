package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Endpoints listed in the Backend itself. */
@Doc("Endpoints listed in the Backend itself.")
public record StaticEndpoints(@Required @Size(min = 1, max = 1000) List<StaticEndpoint> endpoints)
    implements EndpointSource {
  public StaticEndpoints {
    endpoints = Copies.list(endpoints);
  }
}
