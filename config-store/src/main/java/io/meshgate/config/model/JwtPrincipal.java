package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A verified token that carries every claim listed and every scope listed. */
@Doc(
    "A verified token that carries every claim listed (each with one of its values) and every scope.")
public record JwtPrincipal(
    @Size(max = 16) List<JwtClaimMatch> claims,
    @Size(max = 16)
        @Pattern(value = Patterns.SCOPE, maxLength = 256)
        @Doc("Scopes the space-delimited scope claim must hold (RFC 8693).")
        List<String> scopes) {
  public JwtPrincipal {
    claims = Copies.list(claims);
    scopes = Copies.list(scopes);
  }
}
