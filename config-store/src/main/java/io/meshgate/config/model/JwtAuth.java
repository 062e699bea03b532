package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Requests must carry a JWT valid for one of the providers. */
@Doc("Requests must carry a JWT valid for one of the providers.")
public record JwtAuth(
    @Required @Size(min = 1, max = 4) List<JwtProvider> providers,
    @Doc("A request without a token passes unverified; a token that fails is still refused.")
        Boolean allowMissing) {
  public JwtAuth {
    providers = Copies.list(providers);
  }
}
