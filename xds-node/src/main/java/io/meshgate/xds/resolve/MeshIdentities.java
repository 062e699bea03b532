package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.MeshBridgeSpec;
import io.meshgate.config.model.MeshKind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.meshbridge.identity.SpiffeId;
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
    for (Resource bridge : config.ofKind(Kind.MESH_BRIDGE)) {
      MeshBridgeSpec spec = bridge.spec(MeshBridgeSpec.class);
      if (spec.mesh() != MeshKind.CONSUL || spec.ca().consul() == null) {
        continue;
      }
      Bridges.Bridge consul = new Bridges.Bridge(bridge, spec, spec.ca().consul());
      for (Resource gateway : config.ofKind(Kind.GATEWAY)) {
        if (consul.lists(gateway)) {
          SpiffeId.parse(consul.identityOf(gateway).spiffeId()).ifPresent(ids::add);
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
   * The SPIFFE IDs of the Consul services the config's bridged Backends are: the targets whose
   * intentions a Consul bridge watches.
   */
  public static Set<SpiffeId> bridgeTargets(ConfigSnapshot config) {
    Set<SpiffeId> targets = new TreeSet<>();
    for (Resource bridge : config.ofKind(Kind.MESH_BRIDGE)) {
      MeshBridgeSpec spec = bridge.spec(MeshBridgeSpec.class);
      if (spec.mesh() != MeshKind.CONSUL || spec.ca().consul() == null) {
        continue;
      }
      Bridges.Bridge consul = new Bridges.Bridge(bridge, spec, spec.ca().consul());
      for (String name : spec.backends()) {
        config
            .get(new ResourceKey(Kind.BACKEND, bridge.metadata().namespace(), name))
            .map(backend -> backend.spec(BackendSpec.class).consul())
            .ifPresent(source -> targets.add(consul.peerOf(source.service())));
      }
    }
    return targets;
  }
}
