package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.meshgate.xds.ir.ApiListenerIr;
import io.meshgate.xds.ir.HttpListenerIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.LocalRateLimitIr;
import io.meshgate.xds.ir.ProxyKind;

/** Listeners: a port with an HTTP connection manager, or an API listener for proxyless gRPC. */
final class Listeners {
  static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";

  private Listeners() {}

  static Listener of(ListenerIr listener, ProxyKind kind) {
    if (listener instanceof HttpListenerIr http) {
      return http(http, kind);
    }
    return api((ApiListenerIr) listener, kind);
  }

  static Listener http(HttpListenerIr listener, ProxyKind kind) {
    HttpConnectionManager hcm =
        connectionManager(listener.name(), listener.routeTable(), kind, listener.rateLimit())
            .toBuilder()
            // Hosts are matched without their port: "shop.example.com:8080" reaches
            // "shop.example.com".
            .setStripAnyHostPort(true)
            .addAccessLog(AccessLogs.STDOUT_JSON)
            .build();
    return Listener.newBuilder()
        .setName(listener.name())
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder()
                        .setAddress(listener.address())
                        .setPortValue(listener.port())))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName(HTTP_CONNECTION_MANAGER)
                        .setTypedConfig(Any.pack(hcm))))
        .build();
  }

  /**
   * gRPC insists: the listener's name is the dialed target, and it wraps a connection manager with
   * the router.
   */
  static Listener api(ApiListenerIr listener, ProxyKind kind) {
    return Listener.newBuilder()
        .setName(listener.name())
        .setApiListener(
            ApiListener.newBuilder()
                .setApiListener(
                    Any.pack(
                        connectionManager(listener.name(), listener.routeTable(), kind, null))))
        .build();
  }

  private static HttpConnectionManager connectionManager(
      String statPrefix, String routeTable, ProxyKind kind, LocalRateLimitIr rateLimit) {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix(statPrefix)
        .setRds(Rds.newBuilder().setConfigSource(ConfigSources.ADS).setRouteConfigName(routeTable))
        .addAllHttpFilters(HttpFilters.chain(kind, statPrefix, rateLimit))
        .build();
  }
}
