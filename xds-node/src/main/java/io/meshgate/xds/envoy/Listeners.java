package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.meshgate.xds.ir.ApiListenerIr;
import io.meshgate.xds.ir.FilterChainIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.PortListenerIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.WeightedClusterIr;

/**
 * Listeners: a port with its filter chains (HTTP or TCP, plaintext or TLS by SNI), or an API
 * listener for proxyless gRPC.
 */
final class Listeners {
  static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";
  static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
  static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

  private Listeners() {}

  static Listener of(ListenerIr listener, ProxyKind kind) {
    if (listener instanceof PortListenerIr port) {
      return port(port, kind);
    }
    return api((ApiListenerIr) listener, kind);
  }

  static Listener port(PortListenerIr listener, ProxyKind kind) {
    Listener.Builder builder =
        Listener.newBuilder()
            .setName(listener.name())
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder()
                            .setAddress(listener.address())
                            .setPortValue(listener.port())));
    if (listener.inspectsTls()) {
      builder.addListenerFilters(
          ListenerFilter.newBuilder()
              .setName(TLS_INSPECTOR)
              .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
    }
    for (FilterChainIr chain : listener.chains()) {
      builder.addFilterChains(chain(chain, kind));
    }
    return builder.build();
  }

  private static FilterChain chain(FilterChainIr chain, ProxyKind kind) {
    FilterChain.Builder builder = FilterChain.newBuilder().setName(chain.name());
    if (!chain.serverNames().isEmpty()) {
      builder.setFilterChainMatch(
          FilterChainMatch.newBuilder().addAllServerNames(chain.serverNames()));
    }
    boolean http = !(chain.target() instanceof FilterChainIr.Target.Tcp);
    if (chain.mesh() != null) {
      builder.setTransportSocket(MeshTls.downstream(chain.mesh(), http));
    } else if (chain.terminatesTls()) {
      CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
      chain
          .certificates()
          .forEach(
              name ->
                  common.addTlsCertificateSdsSecretConfigs(
                      SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ConfigSources.ADS)));
      if (http) {
        // HTTP/2 where the client offers it (gRPC needs it), HTTP/1.1 otherwise.
        common.addAlpnProtocols("h2").addAlpnProtocols("http/1.1");
      }
      builder.setTransportSocket(
          TransportSocket.newBuilder()
              .setName(Clusters.TLS_TRANSPORT_SOCKET)
              .setTypedConfig(
                  Any.pack(DownstreamTlsContext.newBuilder().setCommonTlsContext(common).build())));
    }
    if (chain.target() instanceof FilterChainIr.Target.Http target) {
      HttpConnectionManager.Builder trusting =
          connectionManager(chain.name(), kind, target).toBuilder();
      if (target.xffTrustedHops() != null) {
        // The client (remote_ip) is the entry that many from the right of X-Forwarded-For as it
        // arrives: the one the trusted proxies wrote. Envoy appends the TCP peer when forwarding.
        trusting
            .setUseRemoteAddress(BoolValue.of(true))
            .setXffNumTrustedHops(target.xffTrustedHops());
      }
      HttpConnectionManager hcm =
          trusting
              // Hosts are matched without their port: "shop.example.com:8080" reaches
              // "shop.example.com".
              .setStripAnyHostPort(true)
              .addAccessLog(AccessLogs.STDOUT_JSON)
              .build();
      builder.addFilters(
          Filter.newBuilder().setName(HTTP_CONNECTION_MANAGER).setTypedConfig(Any.pack(hcm)));
    } else if (chain.target() instanceof FilterChainIr.Target.Inbound target) {
      HttpConnectionManager.Builder hcm =
          HttpConnectionManager.newBuilder()
              .setStatPrefix(chain.name())
              .setRds(
                  Rds.newBuilder()
                      .setConfigSource(ConfigSources.ADS)
                      .setRouteConfigName(target.routeTable()))
              .addAllHttpFilters(HttpFilters.inbound(kind));
      if (kind == ProxyKind.ENVOY) {
        // The caller's identity reaches the application as Envoy's XFCC header (URI only).
        hcm.setForwardClientCertDetails(HttpConnectionManager.ForwardClientCertDetails.SANITIZE_SET)
            .setSetCurrentClientCertDetails(
                HttpConnectionManager.SetCurrentClientCertDetails.newBuilder().setUri(true))
            .addAccessLog(AccessLogs.STDOUT_JSON);
      }
      builder.addFilters(
          Filter.newBuilder()
              .setName(HTTP_CONNECTION_MANAGER)
              .setTypedConfig(Any.pack(hcm.build())));
    } else {
      FilterChainIr.Target.Tcp target = (FilterChainIr.Target.Tcp) chain.target();
      if (target.access() != null) {
        builder.addAllFilters(Access.networkFilters(target.access(), target.statPrefix()));
      }
      builder.addFilters(
          Filter.newBuilder().setName(TCP_PROXY).setTypedConfig(Any.pack(tcpProxy(target))));
    }
    return builder.build();
  }

  private static TcpProxy tcpProxy(FilterChainIr.Target.Tcp target) {
    TcpProxy.Builder proxy =
        TcpProxy.newBuilder().setStatPrefix(target.statPrefix()).addAccessLog(AccessLogs.TCP_JSON);
    if (target.clusters().size() == 1) {
      proxy.setCluster(target.clusters().get(0).cluster());
    } else {
      TcpProxy.WeightedCluster.Builder weighted = TcpProxy.WeightedCluster.newBuilder();
      for (WeightedClusterIr cluster : target.clusters()) {
        weighted.addClusters(
            TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                .setName(cluster.cluster())
                .setWeight(cluster.weight()));
      }
      proxy.setWeightedClusters(weighted);
    }
    return proxy.build();
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
                        connectionManager(
                            listener.name(),
                            kind,
                            new FilterChainIr.Target.Http(listener.routeTable(), null)))))
        .build();
  }

  private static HttpConnectionManager connectionManager(
      String statPrefix, ProxyKind kind, FilterChainIr.Target.Http target) {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix(statPrefix)
        .setRds(
            Rds.newBuilder()
                .setConfigSource(ConfigSources.ADS)
                .setRouteConfigName(target.routeTable()))
        .addAllHttpFilters(HttpFilters.chain(kind, statPrefix, target))
        .build();
  }
}
