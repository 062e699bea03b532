package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** Where the issuer publishes its keys. */
@Doc("Where the issuer publishes its keys.")
public record RemoteJwks(
    @Required @Pattern(value = Patterns.HTTPS_URL, maxLength = 1024) String uri,
    @Pattern(Patterns.DURATION) String cacheDuration) {
  public RemoteJwks {
    requireNonNull(uri, "uri");
  }
}
