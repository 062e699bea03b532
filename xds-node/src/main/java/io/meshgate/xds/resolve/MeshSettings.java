package io.meshgate.xds.resolve;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Patterns;

/**
 * The mesh-wide settings translation needs: the trust domain every SPIFFE ID is in, whether an
 * in-mesh Backend that no Allow permission targets accepts every mesh caller or none, and where
 * Envoy reaches meshgate's edge services. Every replica must run with the same settings, or their
 * translations differ.
 */
public record MeshSettings(
    String trustDomain, DefaultPermission defaultPermission, EdgeServices edge) {
  /** The trust domain when none is set. */
  public static final String DEFAULT_TRUST_DOMAIN = "meshgate.local";

  /** Defaults: meshgate.local, deny. */
  public static final MeshSettings DEFAULTS =
      new MeshSettings(DEFAULT_TRUST_DOMAIN, DefaultPermission.DENY, EdgeServices.DEFAULTS);

  /** With meshgate's edge services where {@code meshgate node} runs them by default. */
  public MeshSettings(String trustDomain, DefaultPermission defaultPermission) {
    this(trustDomain, defaultPermission, EdgeServices.DEFAULTS);
  }

  /** What an in-mesh Backend without Allow permissions accepts. */
  public enum DefaultPermission {
    /** Every caller with a mesh identity (deny permissions still apply). */
    ALLOW,
    /** No caller: each must be allowed by a TrafficPermission. */
    DENY
  }

  public MeshSettings {
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(defaultPermission, "defaultPermission");
    requireNonNull(edge, "edge");
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
