package io.meshgate.meshbridge.istio;

import static java.util.Objects.requireNonNull;

import io.meshgate.meshbridge.identity.SpiffeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where istiod's CA is and who meshgate is to it.
 *
 * @param address istiod's gRPC target, {@code host:port} (istiod serves the CA on 15012)
 * @param caCertificate the root(s), PEM, that istiod's TLS certificate chains to (Istio's {@code
 *     root-cert.pem}); they also join the trust bundle. Empty: the JVM's default trust store
 * @param tokenFile the service account token, sent as {@code authorization: Bearer}; read again
 *     before every request, so a rotated token is used as soon as it is written
 * @param trustDomain the mesh's trust domain ({@code cluster.local} unless Istio was told
 *     otherwise)
 * @param namespace the namespace of the token's service account
 * @param serviceAccount the token's service account: the ID is {@code
 *     spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>}
 * @param clusterId sent as the {@code ClusterID} header, for an istiod that serves several clusters
 * @param ttl the validity asked for; istiod may grant less
 */
public record IstioCaSettings(
    String address,
    Optional<Path> caCertificate,
    Path tokenFile,
    String trustDomain,
    String namespace,
    String serviceAccount,
    Optional<String> clusterId,
    Duration ttl) {
  /** The validity asked for unless told otherwise: Istio's default workload certificate TTL. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);

  public IstioCaSettings {
    requireNonNull(address, "address");
    if (address.isBlank()) {
      throw new IllegalArgumentException("address: empty (expected: host:port, e.g. istiod:15012)");
    }
    requireNonNull(caCertificate, "caCertificate");
    requireNonNull(tokenFile, "tokenFile");
    requireNonNull(clusterId, "clusterId");
    requireNonNull(ttl, "ttl");
    // Checks the names: throws IllegalArgumentException naming the field.
    SpiffeId.workload(trustDomain, namespace, serviceAccount);
    if (clusterId.isPresent() && !clusterId.get().matches("[A-Za-z0-9._-]{1,253}")) {
      throw new IllegalArgumentException(
          "clusterId: '" + clusterId.get() + "' (expected: letters, digits, . _ -)");
    }
    if (ttl.compareTo(Duration.ofMinutes(1)) < 0) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: at least a minute)");
    }
  }

  /** No cluster ID, the default TTL. */
  public IstioCaSettings(
      String address,
      Optional<Path> caCertificate,
      Path tokenFile,
      String trustDomain,
      String namespace,
      String serviceAccount) {
    this(
        address,
        caCertificate,
        tokenFile,
        trustDomain,
        namespace,
        serviceAccount,
        Optional.empty(),
        DEFAULT_TTL);
  }

  /** The SPIFFE ID istiod issues for the token's service account. */
  public SpiffeId id() {
    return SpiffeId.workload(trustDomain, namespace, serviceAccount);
  }
}
