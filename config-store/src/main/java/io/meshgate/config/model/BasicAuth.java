package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;

/** HTTP basic authentication against an htpasswd file (SHA hashes) held in a Secret. */
@Doc("HTTP basic authentication against an htpasswd file (SHA hashes) held in a Secret.")
public record BasicAuth(@Required @Doc("Key default: .htpasswd.") SecretRef users) {
  public BasicAuth {
    requireNonNull(users, "users");
  }
}
