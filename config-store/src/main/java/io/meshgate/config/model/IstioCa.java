package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** Istio's CA (istiod's CSR API). */
@Doc("Istio's CA (istiod's CSR API).")
public record IstioCa(
    @Required @Size(min = 1, max = 1024) @Doc("host:port of istiod.") String address,
    @Size(min = 1, max = 256) String clusterID,
    @Doc("Key default: token.") SecretRef token,
    @Pattern(value = Patterns.NAME, maxLength = 63)
        @Doc(
            "The namespace of the Gateways' Istio identity, spiffe://<trust domain>/ns/<namespace>/sa/<serviceName>; default: the MeshBridge's namespace.")
        String namespace) {
  public IstioCa {
    requireNonNull(address, "address");
  }
}
