package io.meshgate.xds.pipeline;

import static java.util.Objects.requireNonNull;

import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.TranslationCache;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.Resolver;
import io.meshgate.xds.snapshot.GroupSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every group's snapshot from one build's inputs: resolve, then for each group the envoy stage's
 * one entry ({@link EnvoyTranslator#translate}) and the snapshot's grouping by type. It remembers
 * the last build: a group whose IR did not change keeps its snapshot (its proxies get no push), and
 * a changed group translates only the IR elements the cache has not seen. Not thread-safe: the
 * pipeline's thread owns it.
 */
public final class SnapshotBuilder {
  private static final Logger log = LoggerFactory.getLogger(SnapshotBuilder.class);

  /** The envoy stage of one group; a seam for tests that need it to fail. */
  interface GroupTranslator {
    GroupResources translate(
        ProxyGroupIr group, KeyRing keys, Identities identities, TranslationCache cache);
  }

  private final Map<String, ProxyGroupIr> lastIr = new HashMap<>();
  private final Map<String, GroupSnapshot> lastSnapshots = new HashMap<>();
  private final TranslationCache cache = new TranslationCache();
  private final GroupTranslator translator;
  private final MeshSettings mesh;
  // The identities of the last build: a group whose IR is unchanged is translated again when they
  // changed (a re-issued certificate is an SDS-only change of its group).
  private Identities lastIdentities = Identities.empty();

  public SnapshotBuilder() {
    this(MeshSettings.DEFAULTS);
  }

  public SnapshotBuilder(MeshSettings mesh) {
    this(EnvoyTranslator::translate, mesh);
  }

  SnapshotBuilder(GroupTranslator translator) {
    this(translator, MeshSettings.DEFAULTS);
  }

  private SnapshotBuilder(GroupTranslator translator, MeshSettings mesh) {
    this.translator = translator;
    this.mesh = requireNonNull(mesh, "mesh");
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

  public Build build(Inputs inputs) {
    long revision = inputs.config().revision();
    ResolvedIr resolved =
        Resolver.resolve(
            inputs.config(), inputs.endpoints(), inputs.keys(), mesh, inputs.identities());
    boolean identitiesChanged = !inputs.identities().equals(lastIdentities);
    List<GroupSnapshot> snapshots = new ArrayList<>();
    List<Problem> problems = new ArrayList<>(resolved.problems());
    List<String> failed = new ArrayList<>(resolved.failed());
    int translated = 0;
    for (ProxyGroupIr group : resolved.groups()) {
      GroupSnapshot previous = lastSnapshots.get(group.name());
      if (previous != null
          && group.equals(lastIr.get(group.name()))
          && (group.identities().isEmpty() || !identitiesChanged)) {
        snapshots.add(new GroupSnapshot(previous.group(), revision, previous.types()));
        continue;
      }
      GroupSnapshot snapshot;
      try {
        snapshot =
            GroupSnapshot.of(
                translator.translate(group, inputs.keys(), inputs.identities(), cache), revision);
      } catch (RuntimeException e) {
        log.error(
            "translating group {} failed; its proxies keep the last good config", group.name(), e);
        failed.add(group.name());
        group.ownedBy().ifPresent(owner -> problems.add(Problem.translationFailed(owner, e)));
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
    lastIdentities = inputs.identities();
    Set<String> kept = new HashSet<>(failed);
    resolved.groups().forEach(g -> kept.add(g.name()));
    lastIr.keySet().retainAll(kept);
    lastSnapshots.keySet().retainAll(kept);
    ResolvedIr reported =
        failed.size() == resolved.failed().size()
            ? resolved
            : new ResolvedIr(resolved.groups(), problems, failed);
    return new Build(snapshots, reported, translated);
  }
}
