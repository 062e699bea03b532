package io.meshgate.xds.resolve;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Patterns;
import org.jspecify.annotations.Nullable;

/**
 * The mesh-wide settings translation needs: the trust domain every SPIFFE ID is in, whether an
 * in-mesh Backend that no Allow permission targets accepts every mesh caller or none, and the WAF
 * module Envoys that run a WAF load (null: none, and a policy that asks for a WAF fails closed).
 * Every replica must run with the same settings, or their translations differ.
 */
public record MeshSettings(
    String trustDomain, DefaultPermission defaultPermission, @Nullable WafModule waf) {
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

  /** Without a WAF module. */
  public MeshSettings(String trustDomain, DefaultPermission defaultPermission) {
    this(trustDomain, defaultPermission, null);
  }

  /** The same, with Envoy's WAF module (null: none). */
  public MeshSettings withWaf(@Nullable WafModule module) {
    return new MeshSettings(trustDomain, defaultPermission, module);
  }

  public MeshSettings {
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
