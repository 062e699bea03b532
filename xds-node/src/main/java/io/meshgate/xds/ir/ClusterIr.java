package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A cluster with its endpoints by locality; served as an EDS cluster whose service name is its
 * name.
 */
public record ClusterIr(
    String name, UpstreamProtocol protocol, List<LocalityIr> localities, List<SourceRef> sources) {
  public ClusterIr {
    requireNonNull(name, "name");
    requireNonNull(protocol, "protocol");
    localities = Lists.copy(localities);
    sources = Lists.copy(sources);
  }
}
