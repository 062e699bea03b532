package io.meshgate.xds.translate;

import static io.meshgate.xds.envoy.Consistency.unpack;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshgate.xds.envoy.GroupResources;
import java.util.List;

/**
 * What the SecurityPolicy tests read of one translated Gateway, {@code edge} in namespace default:
 * its group, its first listener's connection manager and filter chain, its first route table's
 * routes.
 */
final class EdgeGateway {
  private EdgeGateway() {}

  /** The group of Gateway default/edge. */
  static GroupResources of(Cases.Translated translated) {
    return translated.groups().stream()
        .filter(g -> g.group().equals("gateway/default/edge"))
        .findFirst()
        .orElseThrow();
  }

  /** The HTTP connection manager of the first listener's first filter chain. */
  static HttpConnectionManager connectionManager(GroupResources group)
      throws InvalidProtocolBufferException {
    Listener listener = unpack(group.listeners(), Listener.class).get(0);
    return listener
        .getFilterChains(0)
        .getFilters(0)
        .getTypedConfig()
        .unpack(HttpConnectionManager.class);
  }

  /** The HTTP filters of that connection manager, in order. */
  static List<HttpFilter> httpFilters(GroupResources group) throws InvalidProtocolBufferException {
    return connectionManager(group).getHttpFiltersList();
  }

  /** The names of those filters, in order. */
  static List<String> filterNames(GroupResources group) throws InvalidProtocolBufferException {
    return httpFilters(group).stream().map(HttpFilter::getName).toList();
  }

  /** The config of the filter named {@code name}, unpacked. */
  static <T extends Message> T filterConfig(GroupResources group, String name, Class<T> type)
      throws InvalidProtocolBufferException {
    return httpFilters(group).stream()
        .filter(f -> f.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .getTypedConfig()
        .unpack(type);
  }

  /** The routes of the first route table's first virtual host. */
  static List<Route> routes(GroupResources group) {
    return unpack(group.routes(), RouteConfiguration.class)
        .get(0)
        .getVirtualHosts(0)
        .getRoutesList();
  }
}
