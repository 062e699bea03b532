package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;

/** The caller, by its verified JWT. */
@Doc("The caller, by its verified JWT.")
public record AuthorizationPrincipal(@Required JwtPrincipal jwt) {
  public AuthorizationPrincipal {
    requireNonNull(jwt, "jwt");
  }
}
