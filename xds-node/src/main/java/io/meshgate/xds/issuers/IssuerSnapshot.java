package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * What discovery knows of every issuer a config names, at one moment: immutable data the resolver
 * reads without I/O. Equal snapshots give equal translations.
 */
public final class IssuerSnapshot {
  private static final IssuerSnapshot EMPTY = new IssuerSnapshot(Map.of());

  private final Map<String, Discovery> issuers;

  private IssuerSnapshot(Map<String, Discovery> issuers) {
    this.issuers = Map.copyOf(issuers);
  }

  /** Knows no issuer: each is {@link Discovery.Kind#PENDING}. */
  public static IssuerSnapshot empty() {
    return EMPTY;
  }

  /** Exactly these issuers (for the discovery component, and for tests and golden cases). */
  public static IssuerSnapshot of(Map<String, Discovery> issuers) {
    return new IssuerSnapshot(requireNonNull(issuers, "issuers"));
  }

  /** What is known of {@code issuer}; one never asked for is pending. */
  public Discovery get(String issuer) {
    Discovery discovery = issuers.get(issuer);
    return discovery != null
        ? discovery
        : new Discovery.Missing(new Discovery.Failure(Discovery.Kind.PENDING, ""));
  }

  public int size() {
    return issuers.size();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof IssuerSnapshot snapshot && issuers.equals(snapshot.issuers);
  }

  @Override
  public int hashCode() {
    return issuers.hashCode();
  }

  @Override
  public String toString() {
    return "IssuerSnapshot" + new TreeMap<>(issuers).keySet();
  }
}
