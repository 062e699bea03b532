package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;

/** Istio's CA: istiod's CSR API, or the mesh's plugged-in CA files on the node. */
@Doc(
    "Istio's CA: istiod's CSR API (address), or the mesh's plugged-in CA files on the node (pluggedIn); exactly one.")
public record IstioCa(
    @Size(min = 1, max = 1024) @Doc("host:port of istiod.") String address,
    @Size(min = 1, max = 256) String clusterID,
    @Doc(
            "Refused: Istio's service account tokens expire within hours, so a token in config would stop working; the node reads a token its platform refreshes from MESHGATE_ISTIO_TOKEN_FILE.")
        SecretRef token,
    @Pattern(value = Patterns.NAME, maxLength = 63)
        @Doc(
            "The namespace of the Gateways' Istio identity, spiffe://<trust domain>/ns/<namespace>/sa/<serviceName>; default: the MeshBridge's namespace.")
        String namespace,
    @Doc(
            "Sign the Gateways' certificates with the Istio mesh's plugged-in CA (its cacerts files, in the directory MESHGATE_ISTIO_CACERTS_DIR names on each node) instead of asking istiod.")
        Boolean pluggedIn) {
  /** Whether the node's plugged-in CA files sign the Gateways' certificates. */
  public boolean usesPluggedIn() {
    return Boolean.TRUE.equals(pluggedIn);
  }
}
