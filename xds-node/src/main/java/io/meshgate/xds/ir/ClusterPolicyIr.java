package io.meshgate.xds.ir;

import java.util.List;

/**
 * How a cluster connects and balances, from the TrafficPolicies and the BackendTLSPolicy of its
 * Backend. Null parts take Envoy's defaults (or meshgate's, where docs/traffic-policy.md says so).
 */
public record ClusterPolicyIr(
    Long connectTimeoutMillis,
    LoadBalancing loadBalancing,
    HashOnIr hashOn,
    HealthCheckIr healthCheck,
    CircuitBreakerIr circuitBreaker,
    OutlierIr outlier,
    UpstreamTlsIr tls,
    MeshTlsIr mesh) {
  public static final ClusterPolicyIr NONE =
      new ClusterPolicyIr(null, null, null, null, null, null, null, null);

  /** The same policy, reaching an in-mesh Backend with mutual TLS (instead of any other TLS). */
  public ClusterPolicyIr withMesh(MeshTlsIr meshTls) {
    return new ClusterPolicyIr(
        connectTimeoutMillis,
        loadBalancing,
        hashOn,
        healthCheck,
        circuitBreaker,
        outlier,
        null,
        meshTls);
  }

  /** Load-balancing algorithms. */
  public enum LoadBalancing {
    ROUND_ROBIN,
    LEAST_REQUEST,
    RANDOM,
    RING_HASH,
    MAGLEV
  }

  /** An active health check; {@code http} for HTTP, {@code grpcService} for gRPC, neither: TCP. */
  public record HealthCheckIr(
      long intervalMillis,
      long timeoutMillis,
      int unhealthyThreshold,
      int healthyThreshold,
      Http http,
      String grpcService) {
    /** An HTTP check: the path, the Host sent, and the statuses that count as healthy. */
    public record Http(String path, String host, List<Integer> expectedStatuses) {
      public Http {
        expectedStatuses = Lists.copy(expectedStatuses);
      }
    }

    public boolean grpc() {
      return grpcService != null;
    }
  }

  /** Upper bounds per Envoy; null: Envoy's default. */
  public record CircuitBreakerIr(
      Integer maxConnections,
      Integer maxPendingRequests,
      Integer maxRequests,
      Integer maxRetries) {}

  /** Passive ejection of failing endpoints; null: Envoy's default. */
  public record OutlierIr(
      Integer consecutive5xx,
      Integer consecutiveGatewayErrors,
      Long intervalMillis,
      Long baseEjectionMillis,
      Integer maxEjectionPercent) {}

  /**
   * TLS to the backend: the SNI sent, the CAs trusted (PEM, or the system bundle when null), and
   * the names the certificate must carry (DNS names, or URIs such as SPIFFE IDs).
   */
  public record UpstreamTlsIr(String sni, String caPem, List<String> dnsNames, List<String> uris) {
    public UpstreamTlsIr {
      dnsNames = Lists.copy(dnsNames);
      uris = Lists.copy(uris);
    }
  }
}
