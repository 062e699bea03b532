package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A cluster Envoy resolves by DNS itself: a host outside meshgate's discovery that Envoy's own
 * filters call, such as a JWT issuer's key set. One per host and port, shared by whoever calls it.
 *
 * @param name {@code <purpose>/<host>:<port>}, e.g. {@code jwks/auth.example.com:443}
 * @param tls TLS to the host; null: plaintext
 * @param sources the resources that need the cluster
 */
public record DnsClusterIr(
    String name,
    String host,
    int port,
    ClusterPolicyIr.UpstreamTlsIr tls,
    List<SourceRef> sources) {
  public DnsClusterIr {
    requireNonNull(name, "name");
    requireNonNull(host, "host");
    sources = Lists.copy(sources);
  }
}
