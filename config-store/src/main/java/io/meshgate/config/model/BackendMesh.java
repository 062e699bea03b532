package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * A Backend inside the mesh: its workloads hold the SPIFFE identity of one service account, are
 * reached with mutual TLS, and accept only callers a TrafficPermission allows (or the mesh's
 * default).
 */
@Doc(
    "A Backend inside the mesh: its workloads hold the SPIFFE identity of one service account, are reached with mutual TLS, and accept only callers a TrafficPermission allows (or the mesh's default).")
public record BackendMesh(
    @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc(
            "The service account in its SPIFFE ID, spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT; default: the Backend's name.")
        String serviceAccount,
    @Size(max = 16)
        @Range(min = 1, max = 65535)
        @Doc(
            "Ports its proxyless gRPC servers listen on (xDS server listeners, gRFC A36); Envoy sidecars are declared by Sidecar resources instead.")
        List<Integer> serverPorts) {
  public BackendMesh {
    serverPorts = Copies.list(serverPorts);
  }

  /** The service account, defaulting to the Backend's name. */
  public String serviceAccountOr(String backendName) {
    return serviceAccount == null ? backendName : serviceAccount;
  }
}
