package io.meshgate.xds.envoy;

import static java.util.Objects.requireNonNull;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * One proxy group's Envoy resources, each list sorted by name. {@code secrets} hold private keys:
 * print them only through {@link Secrets#redacted}.
 */
public record GroupResources(
    String group,
    List<Listener> listeners,
    List<RouteConfiguration> routes,
    List<Cluster> clusters,
    List<ClusterLoadAssignment> endpoints,
    List<Secret> secrets) {
  public GroupResources {
    requireNonNull(group, "group");
    listeners = List.copyOf(listeners);
    routes = List.copyOf(routes);
    clusters = List.copyOf(clusters);
    endpoints = List.copyOf(endpoints);
    secrets = List.copyOf(secrets);
  }

  /** Counts only: the secrets hold private keys. */
  @Override
  public String toString() {
    return "GroupResources["
        + group
        + ": "
        + listeners.size()
        + " listeners, "
        + routes.size()
        + " route tables, "
        + clusters.size()
        + " clusters, "
        + endpoints.size()
        + " assignments, "
        + secrets.size()
        + " secrets]";
  }
}
