package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Everything one group of proxies receives: a Gateway's Envoys ({@code gateway/NS/NAME}) or
 * proxyless gRPC clients ({@code proxyless}).
 */
public record ProxyGroupIr(
    String name,
    ProxyKind kind,
    List<ListenerIr> listeners,
    List<RouteTableIr> routeTables,
    List<ClusterIr> clusters,
    List<CertificateIr> certificates) {
  public ProxyGroupIr {
    requireNonNull(name, "name");
    requireNonNull(kind, "kind");
    listeners = Lists.copy(listeners);
    routeTables = Lists.copy(routeTables);
    clusters = Lists.copy(clusters);
    certificates = Lists.copy(certificates);
  }
}
