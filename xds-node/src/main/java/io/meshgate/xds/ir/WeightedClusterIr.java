package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/** A cluster and its share of a route's requests. */
public record WeightedClusterIr(String cluster, int weight) {
  public WeightedClusterIr {
    requireNonNull(cluster, "cluster");
    if (weight <= 0) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: > 0)");
    }
  }
}
