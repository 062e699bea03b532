package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

/**
 * What meshgate knows of one remote key set: the last fetch's, the last good one's while fetches
 * fail, or none and why. It only feeds status: Envoy fetches and caches the keys itself.
 */
public sealed interface KnownKeySet {
  /** The last fetch succeeded. */
  record Current(KeySet keySet) implements KnownKeySet {
    public Current {
      requireNonNull(keySet, "keySet");
    }
  }

  /** The last fetch failed after an earlier one succeeded: {@code keySet} is the last good. */
  record Stale(KeySet keySet, Discovery.Failure failure) implements KnownKeySet {
    public Stale {
      requireNonNull(keySet, "keySet");
      requireNonNull(failure, "failure");
    }
  }

  /** No fetch has succeeded yet ({@link Discovery.Kind#PENDING} before the first ends). */
  record Missing(Discovery.Failure failure) implements KnownKeySet {
    public Missing {
      requireNonNull(failure, "failure");
    }
  }
}
