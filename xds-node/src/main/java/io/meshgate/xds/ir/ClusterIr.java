package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A cluster with its endpoints by locality; served as an EDS cluster whose service name is its
 * name.
 *
 * @param policy connection, balancing and TLS settings; null: the defaults
 */
public record ClusterIr(
    String name,
    UpstreamProtocol protocol,
    List<LocalityIr> localities,
    ClusterPolicyIr policy,
    List<SourceRef> sources) {
  public ClusterIr {
    requireNonNull(name, "name");
    requireNonNull(protocol, "protocol");
    localities = Lists.copy(localities);
    sources = Lists.copy(sources);
  }

  /** The same cluster without its endpoints: all an Envoy Cluster is made from. */
  public ClusterIr withoutEndpoints() {
    return localities.isEmpty() ? this : new ClusterIr(name, protocol, List.of(), policy, sources);
  }
}
