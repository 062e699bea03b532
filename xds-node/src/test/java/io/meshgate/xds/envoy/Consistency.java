package io.meshgate.xds.envoy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.OAuth2;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.OAuth2Config;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks that a group's resources refer only to each other: every route table a listener (port or
 * API listener) names exists, every cluster a route names exists, every EDS cluster has its
 * assignment, every cluster a JWT provider fetches its key set through exists — and nothing is left
 * unreferenced. java-control-plane's {@code Snapshot.ensureConsistent} knows only the legacy filter
 * name {@code envoy.http_connection_manager} and ignores API listeners, so it cannot check what we
 * serve; this one can.
 */
public final class Consistency {
  private Consistency() {}

  /** What is inconsistent, as sentences; empty when the group is consistent. */
  public static List<String> problems(GroupResources group) {
    List<String> problems = new ArrayList<>();
    List<Listener> listeners = unpack(group.listeners(), Listener.class);
    List<RouteConfiguration> routes = unpack(group.routes(), RouteConfiguration.class);
    List<Cluster> clusters = unpack(group.clusters(), Cluster.class);
    List<ClusterLoadAssignment> endpoints = unpack(group.endpoints(), ClusterLoadAssignment.class);
    List<Secret> secrets = unpack(group.secrets(), Secret.class);
    Set<String> routeNames =
        routes.stream().map(RouteConfiguration::getName).collect(Collectors.toSet());
    Set<String> clusterNames = clusters.stream().map(Cluster::getName).collect(Collectors.toSet());
    Set<String> assignments =
        endpoints.stream().map(ClusterLoadAssignment::getClusterName).collect(Collectors.toSet());
    Set<String> referencedRoutes = new java.util.TreeSet<>();
    for (Listener listener : listeners) {
      for (HttpConnectionManager hcm : connectionManagers(listener)) {
        if (hcm.hasRds()) {
          referencedRoutes.add(hcm.getRds().getRouteConfigName());
        }
      }
    }
    referencedRoutes.stream()
        .filter(r -> !routeNames.contains(r))
        .forEach(
            r ->
                problems.add(
                    "route table " + r + " is named by a listener or cluster but missing"));
    routeNames.stream()
        .filter(r -> !referencedRoutes.contains(r))
        .sorted()
        .forEach(r -> problems.add("route table " + r + " is named by no listener or cluster"));
    Set<String> referencedClusters = new java.util.TreeSet<>();
    for (RouteConfiguration table : routes) {
      for (VirtualHost host : table.getVirtualHostsList()) {
        for (Route route : host.getRoutesList()) {
          if (!route.hasRoute()) {
            continue;
          }
          if (!route.getRoute().getCluster().isEmpty()) {
            referencedClusters.add(route.getRoute().getCluster());
          }
          for (WeightedCluster.ClusterWeight weight :
              route.getRoute().getWeightedClusters().getClustersList()) {
            referencedClusters.add(weight.getName());
          }
          route.getRoute().getRequestMirrorPoliciesList().stream()
              .map(RouteAction.RequestMirrorPolicy::getCluster)
              .forEach(referencedClusters::add);
        }
      }
    }
    referencedClusters.stream()
        .filter(c -> !clusterNames.contains(c))
        .forEach(c -> problems.add("cluster " + c + " is named by a route but missing"));
    for (Listener listener : listeners) {
      for (HttpConnectionManager hcm : connectionManagers(listener)) {
        for (HttpFilter filter : hcm.getHttpFiltersList()) {
          if (filter.getTypedConfig().is(JwtAuthentication.class)) {
            unpack(filter.getTypedConfig(), JwtAuthentication.class, listener)
                .getProvidersMap()
                .values()
                .stream()
                // A provider with its key set inline names no cluster.
                .filter(p -> p.hasRemoteJwks())
                .forEach(
                    p ->
                        checkCluster(
                            p.getRemoteJwks().getHttpUri().getCluster(),
                            clusterNames,
                            listener,
                            problems));
          }
        }
      }
    }
    Set<String> secretNames =
        secrets.stream()
            .map(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret::getName)
            .collect(Collectors.toSet());
    Set<String> referencedSecrets = new java.util.TreeSet<>();
    for (Listener listener : listeners) {
      for (FilterChain chain : listener.getFilterChainsList()) {
        for (Filter filter : chain.getFiltersList()) {
          if (filter.getTypedConfig().is(TcpProxy.class)) {
            TcpProxy proxy = unpack(filter.getTypedConfig(), TcpProxy.class, listener);
            if (!proxy.getCluster().isEmpty()) {
              checkCluster(proxy.getCluster(), clusterNames, listener, problems);
            }
            proxy.getWeightedClusters().getClustersList().stream()
                .map(TcpProxy.WeightedCluster.ClusterWeight::getName)
                .forEach(c -> checkCluster(c, clusterNames, listener, problems));
          }
        }
        if (chain.hasTransportSocket()) {
          sdsNames(
              unpack(
                      chain.getTransportSocket().getTypedConfig(),
                      DownstreamTlsContext.class,
                      listener)
                  .getCommonTlsContext(),
              referencedSecrets);
        }
      }
    }
    for (Cluster cluster : clusters) {
      if (cluster.hasTransportSocket()
          && cluster.getTransportSocket().getTypedConfig().is(UpstreamTlsContext.class)) {
        try {
          sdsNames(
              cluster
                  .getTransportSocket()
                  .getTypedConfig()
                  .unpack(UpstreamTlsContext.class)
                  .getCommonTlsContext(),
              referencedSecrets);
        } catch (InvalidProtocolBufferException e) {
          problems.add("cluster " + cluster.getName() + " holds an unreadable UpstreamTlsContext");
        }
      }
    }
    // An OIDC login's filter names its client secret and HMAC key, and its token endpoint's
    // cluster.
    for (Listener listener : listeners) {
      for (HttpConnectionManager hcm : connectionManagers(listener)) {
        for (HttpFilter filter : hcm.getHttpFiltersList()) {
          if (filter.getTypedConfig().is(OAuth2.class)) {
            OAuth2Config config =
                unpack(filter.getTypedConfig(), OAuth2.class, listener).getConfig();
            referencedSecrets.add(config.getCredentials().getTokenSecret().getName());
            referencedSecrets.add(config.getCredentials().getHmacSecret().getName());
            checkCluster(config.getTokenEndpoint().getCluster(), clusterNames, listener, problems);
          }
        }
      }
    }
    referencedSecrets.stream()
        .filter(s -> !secretNames.contains(s))
        .forEach(s -> problems.add("secret " + s + " is named by a listener but missing"));
    secretNames.stream()
        .filter(s -> !referencedSecrets.contains(s))
        .sorted()
        .forEach(s -> problems.add("secret " + s + " is named by no listener"));
    for (Cluster cluster : clusters) {
      if (cluster.getType() == Cluster.DiscoveryType.EDS
          && !assignments.contains(cluster.getEdsClusterConfig().getServiceName())) {
        problems.add(
            "EDS cluster "
                + cluster.getName()
                + " has no assignment "
                + cluster.getEdsClusterConfig().getServiceName());
      }
    }
    return problems;
  }

  private static void checkCluster(
      String cluster, Set<String> clusterNames, Listener listener, List<String> problems) {
    if (!clusterNames.contains(cluster)) {
      problems.add(
          "cluster " + cluster + " is named by listener " + listener.getName() + " but missing");
    }
  }

  private static <T extends com.google.protobuf.Message> T unpack(
      com.google.protobuf.Any any, Class<T> type, Listener listener) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "listener " + listener.getName() + " holds an unreadable " + type.getSimpleName(), e);
    }
  }

  private static List<HttpConnectionManager> connectionManagers(Listener listener) {
    List<HttpConnectionManager> found = new ArrayList<>();
    try {
      if (listener.hasApiListener()) {
        found.add(listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class));
      }
      for (FilterChain chain : listener.getFilterChainsList()) {
        for (Filter filter : chain.getFiltersList()) {
          if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
            found.add(filter.getTypedConfig().unpack(HttpConnectionManager.class));
          }
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "listener " + listener.getName() + " holds an unreadable connection manager", e);
    }
    return found;
  }

  /** The resources as their message type. */
  public static <M extends Message> List<M> unpack(List<EnvoyResource> resources, Class<M> type) {
    return resources.stream().map(r -> r.unpack(type)).toList();
  }

  /** The SDS names a TLS context refers to: its certificates and its validation context. */
  private static void sdsNames(CommonTlsContext common, Set<String> names) {
    common.getTlsCertificateSdsSecretConfigsList().forEach(sds -> names.add(sds.getName()));
    if (common.hasValidationContextSdsSecretConfig()) {
      names.add(common.getValidationContextSdsSecretConfig().getName());
    }
    if (common.hasCombinedValidationContext()) {
      names.add(
          common.getCombinedValidationContext().getValidationContextSdsSecretConfig().getName());
    }
  }
}
