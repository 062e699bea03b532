package io.meshgate.xds.identity;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * How this node reaches istiod for Istio bridges, set by the operator, never by config: the service
 * account token to authenticate with ({@code MESHGATE_ISTIO_TOKEN_FILE}, read for each request, as
 * istio-agent reads its token) and the Istio root that istiod's TLS certificate must chain to
 * ({@code MESHGATE_ISTIO_CA_FILE}, Istio's {@code root-cert.pem}). Istio bridges name istiod's
 * address; the token goes only to a server that proves it is istiod with that root.
 */
public record IstioAccess(Path tokenFile, Path caCertificate) {
  public IstioAccess {
    requireNonNull(tokenFile, "tokenFile");
    requireNonNull(caCertificate, "caCertificate");
  }
}
