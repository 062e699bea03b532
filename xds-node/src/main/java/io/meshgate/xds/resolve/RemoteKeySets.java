package io.meshgate.xds.resolve;

import io.meshgate.config.model.Resource;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.issuers.Discovery;
import io.meshgate.xds.issuers.KeySetSource;
import io.meshgate.xds.issuers.KnownKeySet;

/**
 * What meshgate's own fetches of a remote key set say, as Problems on the policy. Status only: the
 * Envoy config never depends on them. Envoy fetches the keys itself, may reach a host meshgate
 * cannot (another network), and already refuses tokens (401) while it has no keys; failing closed
 * here would turn a probe's view into an outage. It also keeps replicas whose probes disagree
 * serving the same config.
 */
final class RemoteKeySets {
  private static final String KEY_SET = "its key set";

  private RemoteKeySets() {}

  /**
   * A Problem at {@code at} (the provider's {@code remoteJWKS/uri}) when meshgate could never fetch
   * the key set, or its refresh fails now; nothing while current or before the first fetch ends.
   */
  static void report(Context context, Resource policy, KeySetSource source, String at) {
    KnownKeySet known = context.issuers.keySet(source);
    if (known instanceof KnownKeySet.Stale stale) {
      context.problem(
          policy,
          at,
          ProblemReason.KEY_SET_STALE,
          "refreshing the key set at "
              + source
              + " fails: "
              + stale.failure().about(KEY_SET)
              + "; the last good key set meshgate fetched ("
              + stale.keySet()
              + ") is from before; the Envoy config is unchanged and Envoy refreshes its own keys");
      return;
    }
    if (known instanceof KnownKeySet.Missing missing
        && missing.failure().kind() != Discovery.Kind.PENDING) {
      context.problem(
          policy,
          at,
          ProblemReason.KEY_SET_UNAVAILABLE,
          "meshgate cannot fetch the key set at "
              + source
              + ": "
              + missing.failure().about(KEY_SET)
              + "; the Envoy config is unchanged: Envoy fetches the keys itself and refuses"
              + " tokens of this provider (401) while it has none");
    }
  }
}
