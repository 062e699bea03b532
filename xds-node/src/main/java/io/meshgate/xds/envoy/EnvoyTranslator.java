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
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.keys.KeyMaterial;
import io.meshgate.xds.keys.KeyRing;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One group's IR to its Envoy resources: the one entry of the envoy stage, for production and for
 * every test. Pure: the key material comes in the ring, and equal inputs give equal resources.
 */
public final class EnvoyTranslator {
  private EnvoyTranslator() {}

  /**
   * @param keys the material of the group's certificates; a certificate whose material is not
   *     opened is left out (resolve has reported it)
   * @param cache the previous build's resources, reused for equal IR
   */
  public static GroupResources translate(ProxyGroupIr group, KeyRing keys, TranslationCache cache) {
    ProxyKind kind = group.kind();
    List<Listener> listeners = new ArrayList<>();
    for (ListenerIr listener : group.listeners()) {
      listeners.add(cache.get(Listener.class, kind, listener, () -> Listeners.of(listener, kind)));
    }
    List<RouteConfiguration> routes = new ArrayList<>();
    for (RouteTableIr table : group.routeTables()) {
      routes.add(cache.get(RouteConfiguration.class, kind, table, () -> Routes.of(table, kind)));
    }
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    for (ClusterIr cluster : group.clusters()) {
      // A Cluster is made from all but the endpoints: an endpoint change leaves it as it was.
      ClusterIr withoutEndpoints = cluster.withoutEndpoints();
      clusters.add(
          cache.get(Cluster.class, kind, withoutEndpoints, () -> Clusters.eds(withoutEndpoints)));
      endpoints.add(
          cache.get(
              ClusterLoadAssignment.class, kind, cluster, () -> Endpoints.assignment(cluster)));
    }
    List<Secret> secrets = new ArrayList<>();
    for (CertificateIr certificate : group.certificates()) {
      // Keyed by the certificate and its material: a rotated file or key is a new Secret only.
      if (keys.get(Secrets.keyRef(certificate)) instanceof KeyMaterial.Opened material) {
        secrets.add(
            cache.get(
                Secret.class,
                kind,
                new SecretInput(certificate, material),
                () -> Secrets.of(certificate, material)));
      }
    }
    listeners.sort(Comparator.comparing(Listener::getName));
    routes.sort(Comparator.comparing(RouteConfiguration::getName));
    clusters.sort(Comparator.comparing(Cluster::getName));
    endpoints.sort(Comparator.comparing(ClusterLoadAssignment::getClusterName));
    secrets.sort(Comparator.comparing(Secret::getName));
    return new GroupResources(group.name(), listeners, routes, clusters, endpoints, secrets);
  }

  /** What a Secret is made from. */
  private record SecretInput(CertificateIr certificate, KeyMaterial.Opened material) {}
}
