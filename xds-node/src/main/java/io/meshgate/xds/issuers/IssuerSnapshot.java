package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * What discovery knows of every issuer and every remote key set a config names, at one moment:
 * immutable data the resolver reads without I/O. Equal snapshots give equal translations; key sets
 * only ever change Problems, never the Envoy config.
 */
public final class IssuerSnapshot {
  private static final IssuerSnapshot EMPTY = new IssuerSnapshot(Map.of(), Map.of());

  private final Map<String, Discovery> issuers;
  private final Map<KeySetSource, KnownKeySet> keySets;

  private IssuerSnapshot(Map<String, Discovery> issuers, Map<KeySetSource, KnownKeySet> keySets) {
    this.issuers = Map.copyOf(issuers);
    this.keySets = Map.copyOf(keySets);
  }

  /** Knows no issuer and no key set: each is {@link Discovery.Kind#PENDING}. */
  public static IssuerSnapshot empty() {
    return EMPTY;
  }

  /** Exactly these issuers, and no key set (for tests and golden cases). */
  public static IssuerSnapshot of(Map<String, Discovery> issuers) {
    return of(issuers, Map.of());
  }

  /** Exactly these issuers and key sets (for the discovery component, and for tests). */
  public static IssuerSnapshot of(
      Map<String, Discovery> issuers, Map<KeySetSource, KnownKeySet> keySets) {
    return new IssuerSnapshot(
        requireNonNull(issuers, "issuers"), requireNonNull(keySets, "keySets"));
  }

  /** What is known of {@code issuer}; one never asked for is pending. */
  public Discovery get(String issuer) {
    Discovery discovery = issuers.get(issuer);
    return discovery != null
        ? discovery
        : new Discovery.Missing(new Discovery.Failure(Discovery.Kind.PENDING, ""));
  }

  /** What is known of a remote key set; one never asked for is pending. */
  public KnownKeySet keySet(KeySetSource source) {
    KnownKeySet known = keySets.get(source);
    return known != null
        ? known
        : new KnownKeySet.Missing(new Discovery.Failure(Discovery.Kind.PENDING, ""));
  }

  /** The number of issuers and key sets known. */
  public int size() {
    return issuers.size() + keySets.size();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof IssuerSnapshot snapshot
        && issuers.equals(snapshot.issuers)
        && keySets.equals(snapshot.keySets);
  }

  @Override
  public int hashCode() {
    return 31 * issuers.hashCode() + keySets.hashCode();
  }

  @Override
  public String toString() {
    return "IssuerSnapshot" + new TreeMap<>(issuers).keySet() + keySets.keySet();
  }
}
