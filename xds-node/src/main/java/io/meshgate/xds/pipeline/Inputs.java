package io.meshgate.xds.pipeline;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.keys.KeyRing;

/**
 * What one build is made from, each an immutable snapshot: the config (etcd view), the endpoints
 * (today those the config lists itself — static endpoints and Workloads; discovery sources join
 * them), the key material of the config's certificate references, the mesh identities its Envoys
 * present, and what OIDC discovery knows of the issuers its SecurityPolicies name. Equal inputs
 * give equal snapshots on every replica.
 */
public record Inputs(
    ConfigSnapshot config,
    EndpointSnapshot endpoints,
    KeyRing keys,
    Identities identities,
    IssuerSnapshot issuers) {
  public Inputs {
    requireNonNull(config, "config");
    requireNonNull(endpoints, "endpoints");
    requireNonNull(keys, "keys");
    requireNonNull(identities, "identities");
    requireNonNull(issuers, "issuers");
  }

  /** Without OIDC discovery (every issuer pending). */
  public Inputs(
      ConfigSnapshot config, EndpointSnapshot endpoints, KeyRing keys, Identities identities) {
    this(config, endpoints, keys, identities, IssuerSnapshot.empty());
  }

  /** Without mesh identities. */
  public Inputs(ConfigSnapshot config, EndpointSnapshot endpoints, KeyRing keys) {
    this(config, endpoints, keys, Identities.empty());
  }

  /** A config with the endpoints it lists itself and the given key material. */
  public static Inputs of(ConfigSnapshot config, KeyRing keys) {
    return new Inputs(config, StaticEndpointSource.from(config), keys);
  }

  /** A config with the endpoints it lists itself and no key material (certificates left out). */
  public static Inputs withoutKeys(ConfigSnapshot config) {
    return of(config, KeyRing.empty());
  }
}
