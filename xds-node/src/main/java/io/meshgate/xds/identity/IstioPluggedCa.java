package io.meshgate.xds.identity;

import static java.util.Objects.requireNonNull;

import io.meshgate.meshbridge.identity.SpiffeId;
import java.nio.file.Path;

/**
 * An Istio mesh's plugged-in CA on this node, set by the operator, never by config: the directory
 * holding the {@code cacerts} files ({@code MESHGATE_ISTIO_CACERTS_DIR}: {@code ca-cert.pem},
 * {@code ca-key.pem}, {@code cert-chain.pem}, {@code root-cert.pem}) and the one Istio namespace it
 * may issue identities in ({@code MESHGATE_ISTIO_CACERTS_NAMESPACE}). With these files the node is
 * a CA of that mesh: any namespace that may write a MeshBridge with {@code ca.istio.pluggedIn} can
 * have its Gateways hold any service account of {@code namespace}, so give meshgate's gateways an
 * Istio namespace of their own.
 */
public record IstioPluggedCa(Path directory, String namespace) {
  public IstioPluggedCa {
    requireNonNull(directory, "directory");
    requireNonNull(namespace, "namespace");
    // The same rule as an Istio workload ID's namespace: fails here, at start, not per build.
    SpiffeId.workload("cluster.local", namespace, "check");
  }
}
