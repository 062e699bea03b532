package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A JWT issuer with its remote key set. */
@Doc("A JWT issuer with its remote key set.")
public record JwtProvider(
    @Required @Pattern(value = Patterns.NAME, maxLength = 253) String name,
    @Size(min = 1, max = 1024) String issuer,
    @Size(max = 16) List<String> audiences,
    @Required RemoteJwks remoteJWKS,
    @Size(max = 16) List<ClaimToHeader> claimToHeaders,
    @Doc("Keep the token on the forwarded request.") Boolean forward) {
  public JwtProvider {
    requireNonNull(name, "name");
    audiences = Copies.list(audiences);
    requireNonNull(remoteJWKS, "remoteJWKS");
    claimToHeaders = Copies.list(claimToHeaders);
  }
}
