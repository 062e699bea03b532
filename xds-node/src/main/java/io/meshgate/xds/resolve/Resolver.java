package io.meshgate.xds.resolve;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Config and endpoints to the IR of every proxy group: the entry point of the resolve stage. */
public final class Resolver {
  private Resolver() {}

  public static ResolvedIr resolve(ConfigSnapshot config, EndpointSnapshot endpoints) {
    Context context = new Context(config, endpoints);
    List<ProxyGroupIr> groups = new ArrayList<>(new GatewayGroups(context).resolve());
    groups.add(new ProxylessGroup(context).resolve());
    groups.sort(Comparator.comparing(ProxyGroupIr::name));
    return new ResolvedIr(
        groups,
        context.problems().stream().sorted(Comparator.comparing(Object::toString)).toList());
  }
}
