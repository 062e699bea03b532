package io.meshgate.xds.resolve;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.keys.KeyRing;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Config and endpoints to the IR of every proxy group: the entry point of the resolve stage. */
public final class Resolver {
  private Resolver() {}

  /** Without key material: listeners with certificates are left out, with a Problem. */
  public static ResolvedIr resolve(ConfigSnapshot config, EndpointSnapshot endpoints) {
    return resolve(config, endpoints, KeyRing.empty());
  }

  /**
   * @param keys the material of the config's certificate references, so a certificate this replica
   *     cannot serve is a Problem here rather than a listener Envoy waits on forever
   */
  public static ResolvedIr resolve(
      ConfigSnapshot config, EndpointSnapshot endpoints, KeyRing keys) {
    return resolve(config, endpoints, keys, MeshSettings.DEFAULTS);
  }

  /**
   * @param mesh the trust domain and default permission of in-mesh Backends
   */
  public static ResolvedIr resolve(
      ConfigSnapshot config, EndpointSnapshot endpoints, KeyRing keys, MeshSettings mesh) {
    return resolve(config, endpoints, keys, mesh, Identities.empty());
  }

  /**
   * @param identities the identities issued for this build: which of a bridged mesh's identities
   *     exist and what their sources report (a Problem on the MeshBridge when one is missing or its
   *     source cannot reach its CA)
   */
  public static ResolvedIr resolve(
      ConfigSnapshot config,
      EndpointSnapshot endpoints,
      KeyRing keys,
      MeshSettings mesh,
      Identities identities) {
    return resolve(config, endpoints, keys, mesh, identities, IssuerSnapshot.empty());
  }

  /**
   * @param issuers what OIDC discovery knows of the issuers the config names: an OIDC policy whose
   *     issuer has no metadata is a Problem and its routes answer 500
   */
  public static ResolvedIr resolve(
      ConfigSnapshot config,
      EndpointSnapshot endpoints,
      KeyRing keys,
      MeshSettings mesh,
      Identities identities,
      IssuerSnapshot issuers) {
    return resolve(config, endpoints, keys, mesh, identities, issuers, ResolveCache.fresh());
  }

  /**
   * @param cache what the last resolution computed that this one may reuse (a pipeline keeps one
   *     from build to build); the result is the same with any cache, only its cost differs
   */
  public static ResolvedIr resolve(
      ConfigSnapshot config,
      EndpointSnapshot endpoints,
      KeyRing keys,
      MeshSettings mesh,
      Identities identities,
      IssuerSnapshot issuers,
      ResolveCache cache) {
    Context context = new Context(config, endpoints, keys, mesh, identities, issuers, cache);
    context.bridges();
    List<ProxyGroupIr> groups = new ArrayList<>(new GatewayGroups(context).resolve());
    groups.addAll(new SidecarGroups(context).resolve());
    ProxylessGroup proxylessGroups = new ProxylessGroup(context);
    ProxyGroupIr proxyless =
        context.isolated(Names.PROXYLESS_GROUP, null, proxylessGroups::resolve);
    if (proxyless != null) {
      groups.add(proxyless);
      groups.addAll(proxylessGroups.servers(proxyless));
    }
    groups.sort(Comparator.comparing(ProxyGroupIr::name));
    return new ResolvedIr(
        groups,
        context.problems().stream().sorted(Comparator.comparing(Object::toString)).toList(),
        context.failed());
  }
}
