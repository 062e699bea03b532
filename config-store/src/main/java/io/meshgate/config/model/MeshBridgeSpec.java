package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Joins Gateways to a mesh: the mesh, its trust domain, and the CA that issues their SPIFFE
 * identities.
 */
@Doc(
    "Joins Gateways to a mesh: the mesh, its trust domain, and the CA that issues their SPIFFE identities.")
public record MeshBridgeSpec(
    @Required MeshKind mesh,
    @Required @Pattern(value = Patterns.TRUST_DOMAIN, maxLength = 255) String trustDomain,
    @Required @Doc("Exactly one CA.") CaSource ca,
    @Size(max = 64)
        @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc("Gateways of this namespace that take a mesh identity.")
        List<String> gateways,
    @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc("The service name in the SPIFFE ID; default: the Gateway's name.")
        String serviceName,
    @Size(max = 256)
        @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc(
            "Backends of this namespace that live inside the mesh: the Gateways reach them with the mesh's mTLS, presenting their mesh identity.")
        List<String> backends)
    implements Spec {
  public MeshBridgeSpec {
    requireNonNull(mesh, "mesh");
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(ca, "ca");
    gateways = Copies.list(gateways);
    backends = Copies.list(backends);
  }
}
