package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;

/** Requests signed with a shared key: an HMAC of method, path, date and body digest. */
@Doc("Requests signed with a shared key: an HMAC of method, path, date and body digest.")
public record HmacAuth(
    @Pattern(value = Patterns.HEADER_NAME, maxLength = 256) @Default("Authorization") String header,
    @Default("SHA256") HmacAlgorithm algorithm,
    @Required @Doc("Key default: hmac-key.") SecretRef secret,
    @Pattern(Patterns.DURATION) @Doc("How far the request's date may be off; default 5m.")
        String clockSkew) {
  public HmacAuth {
    header = header == null ? "Authorization" : header;
    algorithm = algorithm == null ? HmacAlgorithm.SHA256 : algorithm;
    requireNonNull(secret, "secret");
  }
}
