package io.meshgate.xds.node;

import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.PrivateKeys;
import io.meshgate.xds.resolve.Resolver;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.ResourceCache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every group's snapshot from a config snapshot, remembering the last build: a group whose IR did
 * not change keeps its snapshot (its proxies get no push), and a changed group translates only the
 * elements the cache has not seen. Not thread-safe: the pipeline's thread owns it.
 */
public final class SnapshotBuilder {
  private final Map<String, ProxyGroupIr> lastIr = new HashMap<>();
  private final Map<String, GroupSnapshot> lastSnapshots = new HashMap<>();
  private final ResourceCache cache = new ResourceCache();
  private final PrivateKeys keys;

  /** Without a seal key: listeners with sealed certificates are left out, with a Problem. */
  public SnapshotBuilder() {
    this(PrivateKeys.withoutSealKey());
  }

  public SnapshotBuilder(PrivateKeys keys) {
    this.keys = java.util.Objects.requireNonNull(keys, "keys");
  }

  /**
   * One build.
   *
   * @param translated how many groups were translated (the others kept their snapshot)
   */
  public record Build(List<GroupSnapshot> snapshots, ResolvedIr resolved, int translated) {
    public Build {
      snapshots = List.copyOf(snapshots);
    }
  }

  public Build build(ConfigSnapshot config) {
    ResolvedIr resolved = Resolver.resolve(config, StaticEndpointSource.from(config), keys);
    List<GroupSnapshot> snapshots = new ArrayList<>();
    int translated = 0;
    for (ProxyGroupIr group : resolved.groups()) {
      GroupSnapshot previous = lastSnapshots.get(group.name());
      if (previous != null && group.equals(lastIr.get(group.name()))) {
        snapshots.add(new GroupSnapshot(previous.group(), config.revision(), previous.types()));
        continue;
      }
      GroupSnapshot snapshot = GroupSnapshot.of(group, config.revision(), cache, keys);
      translated++;
      lastIr.put(group.name(), group);
      lastSnapshots.put(group.name(), snapshot);
      snapshots.add(snapshot);
    }
    if (translated > 0) {
      cache.endBuild();
    }
    lastIr.keySet().retainAll(resolved.groups().stream().map(ProxyGroupIr::name).toList());
    lastSnapshots.keySet().retainAll(lastIr.keySet());
    return new Build(snapshots, resolved, translated);
  }

  /** Resources reused from the previous build, and translated anew. */
  public ResourceCache cache() {
    return cache;
  }
}
