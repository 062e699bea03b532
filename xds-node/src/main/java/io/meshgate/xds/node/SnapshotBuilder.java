package io.meshgate.xds.node;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.StaticEndpointSource;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.ir.SourceRef;
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
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(SnapshotBuilder.class);
  private final Map<String, ProxyGroupIr> lastIr = new HashMap<>();
  private final Map<String, GroupSnapshot> lastSnapshots = new HashMap<>();
  private final ResourceCache cache = new ResourceCache();
  private final PrivateKeys keys;

  /** Without a seal key: listeners with sealed certificates are left out, with a Problem. */
  public SnapshotBuilder() {
    this(PrivateKeys.withoutSealKey());
  }

  public SnapshotBuilder(PrivateKeys keys) {
    this(keys, GroupSnapshot::of);
  }

  /** The Envoy stage of one group; a seam for tests that need it to fail. */
  interface GroupTranslator {
    GroupSnapshot translate(
        ProxyGroupIr group, long revision, ResourceCache cache, PrivateKeys keys);
  }

  private final GroupTranslator translator;

  SnapshotBuilder(PrivateKeys keys, GroupTranslator translator) {
    this.keys = java.util.Objects.requireNonNull(keys, "keys");
    this.translator = translator;
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
    List<Problem> problems = new ArrayList<>(resolved.problems());
    List<String> failed = new ArrayList<>(resolved.failed());
    int translated = 0;
    for (ProxyGroupIr group : resolved.groups()) {
      GroupSnapshot previous = lastSnapshots.get(group.name());
      if (previous != null && group.equals(lastIr.get(group.name()))) {
        snapshots.add(new GroupSnapshot(previous.group(), config.revision(), previous.types()));
        continue;
      }
      GroupSnapshot snapshot;
      try {
        snapshot = translator.translate(group, config.revision(), cache, keys);
      } catch (RuntimeException e) {
        log.error(
            "translating group {} failed; its proxies keep the last good config", group.name(), e);
        failed.add(group.name());
        owner(config, group.name())
            .ifPresent(o -> problems.add(new Problem(o, "", Problem.translationFailed(e))));
        continue;
      }
      translated++;
      lastIr.put(group.name(), group);
      lastSnapshots.put(group.name(), snapshot);
      snapshots.add(snapshot);
    }
    // Last known good: a group that failed keeps its previous snapshot, revision and all (it does
    // not hold what changed since, so Programmed stays Pending for those changes).
    for (String group : failed) {
      GroupSnapshot previous = lastSnapshots.get(group);
      if (previous != null) {
        snapshots.add(previous);
      }
    }
    if (translated > 0) {
      cache.endBuild();
    }
    java.util.Set<String> kept = new java.util.HashSet<>(failed);
    resolved.groups().forEach(g -> kept.add(g.name()));
    lastIr.keySet().retainAll(kept);
    lastSnapshots.keySet().retainAll(kept);
    ResolvedIr reported =
        failed.size() == resolved.failed().size()
            ? resolved
            : new ResolvedIr(resolved.groups(), problems, failed);
    return new Build(snapshots, reported, translated);
  }

  /** The Gateway or Sidecar a group belongs to; the proxyless group has none. */
  private static java.util.Optional<SourceRef> owner(ConfigSnapshot config, String group) {
    String[] parts = group.split("/", 3);
    if (parts.length != 3) {
      return java.util.Optional.empty();
    }
    Kind kind = parts[0].equals("gateway") ? Kind.GATEWAY : Kind.SIDECAR;
    return config
        .get(new ResourceKey(kind, parts[1], parts[2]))
        .map(
            r ->
                new SourceRef(
                    kind.wireName(),
                    parts[1],
                    parts[2],
                    r.metadata().generation() == null ? 0 : r.metadata().generation()));
  }

  /** Resources reused from the previous build, and translated anew. */
  public ResourceCache cache() {
    return cache;
  }
}
