package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** OpenID Connect login: browsers without a session are sent to the issuer. */
@Doc("OpenID Connect login: browsers without a session are sent to the issuer.")
public record OidcAuth(
    @Required @Pattern(value = Patterns.HTTPS_URL, maxLength = 1024) String issuer,
    @Required @Size(min = 1, max = 256) String clientID,
    @Required @Doc("Key default: client-secret.") SecretRef clientSecret,
    @Pattern(value = Patterns.HTTP_URL, maxLength = 1024) String redirectURL,
    @Size(max = 16) List<String> scopes) {
  public OidcAuth {
    requireNonNull(issuer, "issuer");
    requireNonNull(clientID, "clientID");
    requireNonNull(clientSecret, "clientSecret");
    scopes = Copies.list(scopes);
  }
}
