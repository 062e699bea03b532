package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.meshbridge.identity.SpiffeId;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The mesh identities a config's Envoys may present: each Gateway's ({@code sa} = its name) and
 * each Sidecar's (its service account). The pipeline asks the identity source for exactly these;
 * proxyless services hold theirs in files and are not among them.
 */
public final class MeshIdentities {
  private MeshIdentities() {}

  public static Set<SpiffeId> requiredBy(ConfigSnapshot config, MeshSettings mesh) {
    Set<SpiffeId> ids = new TreeSet<>();
    for (Resource gateway : config.ofKind(Kind.GATEWAY)) {
      ids.add(
          SpiffeId.workload(
              mesh.trustDomain(), gateway.metadata().namespace(), gateway.metadata().name()));
    }
    // A Gateway's identities in the bridged meshes that list it: the bridge's source issues them.
    for (Resource resource : config.ofKind(Kind.MESH_BRIDGE)) {
      Optional<Bridges.Bridge> bridge = Bridges.Bridge.of(resource);
      for (Resource gateway : config.ofKind(Kind.GATEWAY)) {
        if (bridge.isPresent() && bridge.get().lists(gateway)) {
          SpiffeId.parse(bridge.get().identityOf(gateway).spiffeId()).ifPresent(ids::add);
        }
      }
    }
    for (Resource sidecar : config.ofKind(Kind.SIDECAR)) {
      ids.add(
          SpiffeId.workload(
              mesh.trustDomain(),
              sidecar.metadata().namespace(),
              SidecarGroups.serviceAccount(sidecar, config)));
    }
    return ids;
  }

  /**
   * The SPIFFE IDs of the services the config's bridged Backends are: the targets whose rules a
   * bridge's source watches (a Consul bridge, their intentions).
   */
  public static Set<SpiffeId> bridgeTargets(ConfigSnapshot config) {
    Set<SpiffeId> targets = new TreeSet<>();
    for (Resource resource : config.ofKind(Kind.MESH_BRIDGE)) {
      Optional<Bridges.Bridge> bridge = Bridges.Bridge.of(resource);
      if (bridge.isEmpty()) {
        continue;
      }
      for (String name : bridge.get().spec().backends()) {
        config
            .get(new ResourceKey(Kind.BACKEND, resource.metadata().namespace(), name))
            .map(backend -> backend.spec(BackendSpec.class))
            .filter(spec -> bridge.get().unreachable(spec).isEmpty())
            .ifPresent(spec -> targets.add(bridge.get().peerOf(spec)));
      }
    }
    return targets;
  }
}
