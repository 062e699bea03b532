package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** A JWT issuer: its key set (remote or local, exactly one), and where its tokens are read. */
@Doc(
    "A JWT issuer: its key set (remoteJWKS or localJWKS, exactly one), and where its tokens are read.")
public record JwtProvider(
    @Required @Pattern(value = Patterns.NAME, maxLength = 253) String name,
    @Size(min = 1, max = 1024) String issuer,
    @Size(max = 16) List<String> audiences,
    @Doc("The key set fetched by URL; or use localJWKS.") RemoteJwks remoteJWKS,
    @Size(max = 16) List<ClaimToHeader> claimToHeaders,
    @Doc("Keep the token on the forwarded request.") Boolean forward,
    @Doc("A key set (JSON) in a Secret's data; key defaults to jwks. A key set is public.")
        SecretRef localJWKS,
    @Pattern(Patterns.DURATION) @Doc("Tolerance for exp and nbf, whole seconds; default 60s.")
        String clockSkew,
    @Doc("Where the token is read; default: Authorization Bearer, then access_token param.")
        JwtExtractFrom extractFrom,
    @Doc(
            "true: after a token of this provider is verified, Envoy picks the route again, so a route's headers match sees the claimToHeaders headers. Every route of the virtual host must then have the same security before JWT.")
        Boolean recomputeRoute) {
  public JwtProvider {
    requireNonNull(name, "name");
    audiences = Copies.list(audiences);
    claimToHeaders = Copies.list(claimToHeaders);
  }
}
