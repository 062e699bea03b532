package io.meshgate.xds.resolve;

import io.meshgate.config.model.GatewayListener;
import io.meshgate.config.model.GatewaySpec;
import io.meshgate.config.model.ListenerProtocol;
import io.meshgate.config.model.Resource;

/**
 * How many trusted proxies in front of a Gateway listener append to X-Forwarded-For ({@code
 * clientIPDetection.xForwardedFor.numTrustedHops}). config-store's validation holds the HTTP
 * listeners of one port (which share one connection manager) to the same value, and allows it on
 * HTTP and HTTPS listeners only.
 */
final class ClientAddresses {
  private ClientAddresses() {}

  /** The hops a listener (by name) trusts; null when it trusts no X-Forwarded-For. */
  static Integer trustedHops(Resource gateway, String listener) {
    if (gateway == null || listener == null) {
      return null;
    }
    return gateway.spec(GatewaySpec.class).listeners().stream()
        .filter(l -> l.name().equals(listener))
        .findFirst()
        .map(ClientAddresses::hops)
        .orElse(null);
  }

  /** The hops the plain HTTP listeners on {@code port} trust (they agree); null: none. */
  static Integer trustedHopsOfHttpPort(Resource gateway, int port) {
    return gateway.spec(GatewaySpec.class).listeners().stream()
        .filter(l -> l.port() == port && l.protocol() == ListenerProtocol.HTTP)
        .findFirst()
        .map(ClientAddresses::hops)
        .orElse(null);
  }

  private static Integer hops(GatewayListener listener) {
    return listener.clientIPDetection() == null
        ? null
        : listener.clientIPDetection().xForwardedFor().numTrustedHops();
  }
}
