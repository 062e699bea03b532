package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.CodecClientType;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.ClusterPolicyIr;
import io.meshgate.xds.ir.ClusterPolicyIr.HealthCheckIr;
import io.meshgate.xds.ir.DnsClusterIr;
import io.meshgate.xds.ir.UpstreamProtocol;
import java.util.function.Consumer;

/**
 * Clusters: a Backend's always EDS over ADS, the service name equal to the cluster name (gRPC
 * insists), with the balancing, health, limits and upstream TLS of the Backend's policies; a host
 * Envoy's own filters call (a JWT issuer's key set) by DNS.
 */
final class Clusters {
  static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

  /** Debian's and most distributions' CA bundle: where Envoy finds the system's trust store. */
  static final String SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

  private static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final long EDGE_CONNECT_TIMEOUT_MILLIS = 1_000;

  private Clusters() {}

  static Cluster eds(ClusterIr cluster) {
    ClusterPolicyIr policy = cluster.policy() == null ? ClusterPolicyIr.NONE : cluster.policy();
    Cluster.Builder builder =
        Cluster.newBuilder()
            .setName(cluster.name())
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(
                Cluster.EdsClusterConfig.newBuilder()
                    .setEdsConfig(ConfigSources.ADS)
                    .setServiceName(cluster.name()))
            .setConnectTimeout(
                Durations.fromMillis(
                    policy.connectTimeoutMillis() == null
                        ? DEFAULT_CONNECT_TIMEOUT_MILLIS
                        : policy.connectTimeoutMillis()))
            .setLbPolicy(lbPolicy(policy.loadBalancing()));
    if (cluster.protocol() == UpstreamProtocol.HTTP2) {
      builder.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, http2());
    }
    if (policy.healthCheck() != null) {
      builder.addHealthChecks(healthCheck(policy.healthCheck(), cluster.protocol()));
    }
    if (policy.circuitBreaker() != null) {
      ClusterPolicyIr.CircuitBreakerIr limits = policy.circuitBreaker();
      CircuitBreakers.Thresholds.Builder thresholds = CircuitBreakers.Thresholds.newBuilder();
      ifSet(limits.maxConnections(), v -> thresholds.setMaxConnections(UInt32Value.of(v)));
      ifSet(limits.maxPendingRequests(), v -> thresholds.setMaxPendingRequests(UInt32Value.of(v)));
      ifSet(limits.maxRequests(), v -> thresholds.setMaxRequests(UInt32Value.of(v)));
      ifSet(limits.maxRetries(), v -> thresholds.setMaxRetries(UInt32Value.of(v)));
      builder.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(thresholds));
    }
    if (policy.outlier() != null) {
      ClusterPolicyIr.OutlierIr outlier = policy.outlier();
      OutlierDetection.Builder detection = OutlierDetection.newBuilder();
      ifSet(outlier.consecutive5xx(), v -> detection.setConsecutive5Xx(UInt32Value.of(v)));
      ifSet(
          outlier.consecutiveGatewayErrors(),
          v ->
              detection
                  .setConsecutiveGatewayFailure(UInt32Value.of(v))
                  // Envoy enforces gateway-failure ejection at 0 % unless told otherwise.
                  .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100)));
      ifSet(outlier.intervalMillis(), v -> detection.setInterval(Durations.fromMillis(v)));
      ifSet(
          outlier.baseEjectionMillis(),
          v -> detection.setBaseEjectionTime(Durations.fromMillis(v)));
      ifSet(outlier.maxEjectionPercent(), v -> detection.setMaxEjectionPercent(UInt32Value.of(v)));
      builder.setOutlierDetection(detection);
    }
    if (policy.mesh() != null) {
      builder.setTransportSocket(MeshTls.upstream(policy.mesh(), cluster.protocol()));
    } else if (policy.tls() != null) {
      builder.setTransportSocket(
          TransportSocket.newBuilder()
              .setName(TLS_TRANSPORT_SOCKET)
              .setTypedConfig(Any.pack(upstreamTls(policy.tls()))));
    }
    return builder.build();
  }

  /**
   * A STATIC cluster of one address, HTTP/2: how Envoy reaches a gRPC service meshgate runs beside
   * it (the signature and body services). Short connect timeout: the service is near.
   */
  static Cluster edgeService(String name, String host, int port) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Durations.fromMillis(EDGE_CONNECT_TIMEOUT_MILLIS))
        .setLoadAssignment(oneAddress(name, host, port))
        .putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, http2())
        .build();
  }

  /** Explicit HTTP/2 to the upstream (gRPC needs it). */
  private static Any http2() {
    return Any.pack(
        HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .build());
  }

  /** A load assignment of one address, for clusters whose endpoints are in their own config. */
  private static ClusterLoadAssignment oneAddress(String name, String host, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(name)
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(
                            Endpoint.newBuilder()
                                .setAddress(
                                    Address.newBuilder()
                                        .setSocketAddress(
                                            SocketAddress.newBuilder()
                                                .setAddress(host)
                                                .setPortValue(port))))))
        .build();
  }

  /**
   * A cluster Envoy resolves itself: LOGICAL_DNS, as Envoy recommends for large web services
   * reached by name (an issuer's key set behind a CDN has many addresses; Envoy connects to the
   * first the resolver gives and never holds a pool per address). IPv4 first: a host that publishes
   * AAAA records is often unreachable over IPv6 from a VM.
   *
   * <p>TLS, where the URL is https, trusts the Envoy host's CA bundle ({@link #SYSTEM_CA_BUNDLE},
   * as a BackendTLSPolicy's {@code wellKnownCACertificates: System} does) and checks the host's
   * name in the certificate: Envoy implements no "system roots" setting, and without a trusted CA
   * it would accept any certificate — anyone on the path could then serve keys and mint tokens.
   */
  static Cluster dns(DnsClusterIr cluster) {
    Cluster.Builder builder =
        Cluster.newBuilder()
            .setName(cluster.name())
            .setType(Cluster.DiscoveryType.LOGICAL_DNS)
            .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED)
            .setConnectTimeout(Durations.fromMillis(DEFAULT_CONNECT_TIMEOUT_MILLIS))
            .setLoadAssignment(oneAddress(cluster.name(), cluster.host(), cluster.port()));
    if (cluster.tls() != null) {
      builder.setTransportSocket(
          TransportSocket.newBuilder()
              .setName(TLS_TRANSPORT_SOCKET)
              .setTypedConfig(Any.pack(upstreamTls(cluster.tls()))));
    }
    return builder.build();
  }

  private static Cluster.LbPolicy lbPolicy(ClusterPolicyIr.LoadBalancing lb) {
    if (lb == null) {
      return Cluster.LbPolicy.ROUND_ROBIN;
    }
    return switch (lb) {
      case ROUND_ROBIN -> Cluster.LbPolicy.ROUND_ROBIN;
      case LEAST_REQUEST -> Cluster.LbPolicy.LEAST_REQUEST;
      case RANDOM -> Cluster.LbPolicy.RANDOM;
      case RING_HASH -> Cluster.LbPolicy.RING_HASH;
      case MAGLEV -> Cluster.LbPolicy.MAGLEV;
    };
  }

  private static HealthCheck healthCheck(HealthCheckIr check, UpstreamProtocol protocol) {
    HealthCheck.Builder builder =
        HealthCheck.newBuilder()
            .setInterval(Durations.fromMillis(check.intervalMillis()))
            .setTimeout(Durations.fromMillis(check.timeoutMillis()))
            .setUnhealthyThreshold(UInt32Value.of(check.unhealthyThreshold()))
            .setHealthyThreshold(UInt32Value.of(check.healthyThreshold()));
    if (check.http() != null) {
      HealthCheck.HttpHealthCheck.Builder http =
          HealthCheck.HttpHealthCheck.newBuilder().setPath(check.http().path());
      if (check.http().host() != null) {
        http.setHost(check.http().host());
      }
      // Envoy's ranges are half-open: [status, status + 1).
      check
          .http()
          .expectedStatuses()
          .forEach(
              s -> http.addExpectedStatuses(Int64Range.newBuilder().setStart(s).setEnd(s + 1)));
      if (protocol == UpstreamProtocol.HTTP2) {
        http.setCodecClientType(CodecClientType.HTTP2);
      }
      builder.setHttpHealthCheck(http);
    } else if (check.grpc()) {
      builder.setGrpcHealthCheck(
          HealthCheck.GrpcHealthCheck.newBuilder().setServiceName(check.grpcService()));
    } else {
      // No payload: a check passes when the TCP connection is established.
      builder.setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance());
    }
    return builder.build();
  }

  private static UpstreamTlsContext upstreamTls(ClusterPolicyIr.UpstreamTlsIr tls) {
    CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
    validation.setTrustedCa(
        tls.caPem() == null
            ? DataSource.newBuilder().setFilename(SYSTEM_CA_BUNDLE).build()
            : DataSource.newBuilder().setInlineString(tls.caPem()).build());
    for (String dns : tls.dnsNames()) {
      validation.addMatchTypedSubjectAltNames(
          SubjectAltNameMatcher.newBuilder()
              .setSanType(SubjectAltNameMatcher.SanType.DNS)
              .setMatcher(StringMatcher.newBuilder().setExact(dns)));
    }
    for (String uri : tls.uris()) {
      validation.addMatchTypedSubjectAltNames(
          SubjectAltNameMatcher.newBuilder()
              .setSanType(SubjectAltNameMatcher.SanType.URI)
              .setMatcher(StringMatcher.newBuilder().setExact(uri)));
    }
    return UpstreamTlsContext.newBuilder()
        .setSni(tls.sni())
        .setCommonTlsContext(CommonTlsContext.newBuilder().setValidationContext(validation))
        .build();
  }

  private static <T> void ifSet(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
