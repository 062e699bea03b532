package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

/**
 * Shadow traffic: a copy of {@code numerator / denominator} of a route's requests goes to {@code
 * cluster}, and its responses are dropped.
 */
public record MirrorIr(String cluster, int numerator, int denominator) {
  public MirrorIr {
    requireNonNull(cluster, "cluster");
    if (denominator <= 0 || numerator < 0 || numerator > denominator) {
      throw new IllegalArgumentException(
          "a mirror share must lie in [0, 1]: " + numerator + "/" + denominator);
    }
  }

  public boolean all() {
    return numerator == denominator;
  }
}
