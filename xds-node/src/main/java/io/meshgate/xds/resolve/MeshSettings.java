package io.meshgate.xds.resolve;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Patterns;

/**
 * The mesh-wide settings translation needs: the trust domain every SPIFFE ID is in, whether an
 * in-mesh Backend that no Allow permission targets accepts every mesh caller or none, and where
 * gateways reach the edge services meshgate runs. Every replica must run with the same settings, or
 * their translations differ.
 */
public record MeshSettings(
    String trustDomain, DefaultPermission defaultPermission, EdgeAddresses edge) {
  /** The trust domain when none is set. */
  public static final String DEFAULT_TRUST_DOMAIN = "meshgate.local";

  /** Defaults: meshgate.local, deny. */
  public static final MeshSettings DEFAULTS =
      new MeshSettings(DEFAULT_TRUST_DOMAIN, DefaultPermission.DENY);

  /** What an in-mesh Backend without Allow permissions accepts. */
  public enum DefaultPermission {
    /** Every caller with a mesh identity (deny permissions still apply). */
    ALLOW,
    /** No caller: each must be allowed by a TrafficPermission. */
    DENY
  }

  /** With the edge services at their default addresses. */
  public MeshSettings(String trustDomain, DefaultPermission defaultPermission) {
    this(trustDomain, defaultPermission, EdgeAddresses.DEFAULTS);
  }

  /** The same, with the edge services at {@code edge}. */
  public MeshSettings withEdge(EdgeAddresses edge) {
    return new MeshSettings(trustDomain, defaultPermission, edge);
  }

  public MeshSettings {
    requireNonNull(edge, "edge");
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(defaultPermission, "defaultPermission");
    if (trustDomain.isEmpty()
        || trustDomain.length() > 255
        || !trustDomain.matches(Patterns.TRUST_DOMAIN)) {
      throw new IllegalArgumentException(
          "trustDomain: '"
              + trustDomain
              + "' (expected: lower-case letters, digits, '.', '_' and '-', such as"
              + " meshgate.local)");
    }
  }

  /** {@code spiffe://DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT}. */
  public String spiffeId(String namespace, String serviceAccount) {
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }

  /** {@code spiffe://DOMAIN}: names the trust bundle's Secret. */
  public String trustBundle() {
    return "spiffe://" + trustDomain;
  }
}
