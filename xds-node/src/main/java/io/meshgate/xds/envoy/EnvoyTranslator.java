package io.meshgate.xds.envoy;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshgate.xds.ir.CertificateIr;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.keys.PrivateKeys;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The IR of each group to its Envoy resources: the entry point of the envoy stage. */
public final class EnvoyTranslator {
  private EnvoyTranslator() {}

  public static List<GroupResources> translate(ResolvedIr ir, PrivateKeys keys) {
    return ir.groups().stream().map(g -> translate(g, keys)).toList();
  }

  /** A certificate's SDS Secret, or empty when its key cannot be opened (logged). */
  public static Optional<Secret> secret(CertificateIr certificate, PrivateKeys keys) {
    return Secrets.of(certificate, keys);
  }

  public static Listener listener(ListenerIr listener, ProxyKind kind) {
    return Listeners.of(listener, kind);
  }

  public static RouteConfiguration routeTable(RouteTableIr table, ProxyKind kind) {
    return Routes.of(table, kind);
  }

  public static Cluster cluster(ClusterIr cluster) {
    return Clusters.eds(cluster);
  }

  public static ClusterLoadAssignment assignment(ClusterIr cluster) {
    return Endpoints.assignment(cluster);
  }

  public static GroupResources translate(ProxyGroupIr group, PrivateKeys keys) {
    return new GroupResources(
        group.name(),
        group.listeners().stream()
            .map(l -> Listeners.of(l, group.kind()))
            .sorted(Comparator.comparing(io.envoyproxy.envoy.config.listener.v3.Listener::getName))
            .toList(),
        group.routeTables().stream()
            .map(t -> Routes.of(t, group.kind()))
            .sorted(
                Comparator.comparing(
                    io.envoyproxy.envoy.config.route.v3.RouteConfiguration::getName))
            .toList(),
        group.clusters().stream()
            .map(Clusters::eds)
            .sorted(Comparator.comparing(io.envoyproxy.envoy.config.cluster.v3.Cluster::getName))
            .toList(),
        group.clusters().stream()
            .map(Endpoints::assignment)
            .sorted(
                Comparator.comparing(
                    io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment::getClusterName))
            .toList(),
        group.certificates().stream()
            .map(c -> Secrets.of(c, keys))
            .flatMap(Optional::stream)
            .sorted(Comparator.comparing(Secret::getName))
            .toList());
  }
}
