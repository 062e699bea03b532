package io.meshgate.xds.resolve;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Patterns;
import org.jspecify.annotations.Nullable;

/**
 * The mesh-wide settings translation needs: the trust domain every SPIFFE ID is in, whether an
 * in-mesh Backend that no Allow permission targets accepts every mesh caller or none, where Envoy
 * reaches meshgate's edge services, and the WAF module Envoys that run a WAF load (null: none, and
 * a policy that asks for a WAF fails closed). Every replica must run with the same settings, or
 * their translations differ.
 */
public record MeshSettings(
    String trustDomain,
    DefaultPermission defaultPermission,
    EdgeServices edge,
    @Nullable WafModule waf) {
  /** The trust domain when none is set. */
  public static final String DEFAULT_TRUST_DOMAIN = "meshgate.local";

  /** Defaults: meshgate.local, deny. */
  public static final MeshSettings DEFAULTS =
      new MeshSettings(DEFAULT_TRUST_DOMAIN, DefaultPermission.DENY, EdgeServices.DEFAULTS, null);

  /** What an in-mesh Backend without Allow permissions accepts. */
  public enum DefaultPermission {
    /** Every caller with a mesh identity (deny permissions still apply). */
    ALLOW,
    /** No caller: each must be allowed by a TrafficPermission. */
    DENY
  }

  /**
   * With meshgate's edge services where {@code meshgate node} runs them by default, and without a
   * WAF module.
   */
  public MeshSettings(String trustDomain, DefaultPermission defaultPermission) {
    this(trustDomain, defaultPermission, EdgeServices.DEFAULTS, null);
  }

  /** The same, with Envoy's WAF module (null: none). */
  public MeshSettings withWaf(@Nullable WafModule module) {
    return new MeshSettings(trustDomain, defaultPermission, edge, module);
  }

  /** The same, with the edge services at these addresses. */
  public MeshSettings withEdge(EdgeServices services) {
    return new MeshSettings(trustDomain, defaultPermission, services, waf);
  }

  public MeshSettings {
    requireNonNull(edge, "edge");
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
