package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/**
 * The Istio service a Backend inside an Istio MeshBridge reaches, through Istio's east-west gateway
 * (the Backend's endpoints): the gateway routes by the server name {@code
 * outbound_.<port>_._.<host>}, and the service's workloads present {@code spiffe://<trust
 * domain>/ns/<namespace>/sa/<service account>}.
 */
@Doc(
    "The Istio service a Backend inside an Istio MeshBridge reaches through Istio's east-west gateway (the Backend's endpoints): routed by the server name outbound_.<port>_._.<host>; its workloads present spiffe://<trust domain>/ns/<namespace>/sa/<service account>.")
public record IstioService(
    @Required
        @Size(min = 1, max = 253)
        @Doc("The service's host, e.g. reviews.bookinfo.svc.cluster.local.")
        String host,
    @Required @Range(min = 1, max = 65535) @Doc("The service's port.") Integer port,
    @Required @Pattern(value = Patterns.NAME, maxLength = 63) @Doc("The service's namespace.")
        String namespace,
    @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc("The service account its workloads run as; default: default.")
        String serviceAccount) {
  public IstioService {
    requireNonNull(host, "host");
    requireNonNull(port, "port");
    requireNonNull(namespace, "namespace");
  }

  /** The service account, defaulting to Kubernetes' {@code default}. */
  public String serviceAccountOrDefault() {
    return serviceAccount == null ? "default" : serviceAccount;
  }
}
