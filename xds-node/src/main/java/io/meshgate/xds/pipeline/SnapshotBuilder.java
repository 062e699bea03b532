package io.meshgate.xds.pipeline;

import static java.util.Objects.requireNonNull;

import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.TranslationCache;
import io.meshgate.xds.envoy.validate.PgvRules;
import io.meshgate.xds.envoy.validate.PgvViolation;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.resolve.MeshSettings;
import io.meshgate.xds.resolve.ResolveCache;
import io.meshgate.xds.resolve.Resolver;
import io.meshgate.xds.snapshot.GroupSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every group's snapshot from one build's inputs: resolve, then for each group the envoy stage's
 * one entry ({@link EnvoyTranslator#translate}) and the snapshot's grouping by type. It remembers
 * the last build: a group whose IR did not change keeps its snapshot (its proxies get no push), and
 * a changed group translates only the IR elements the cache has not seen.
 *
 * <p>Every resource a build translates is checked against Envoy's own validation rules ({@link
 * PgvRules}) before it can be served: a group holding a resource Envoy would reject keeps its last
 * good snapshot, as if its translation had failed, and its owner's status names the resource and
 * the rule, so proxies are never sent a config they would NACK. A resource whose bytes passed once
 * is not checked again. Not thread-safe: the pipeline's thread owns it.
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
  private final ResolveCache resolveCache = new ResolveCache();
  private final GroupTranslator translator;
  private final MeshSettings mesh;
  // The identities of the last build: a group whose IR is unchanged is translated again when they
  // changed (a re-issued certificate is an SDS-only change of its group).
  private Identities lastIdentities = Identities.empty();
  // Resources (type URL and version, a hash of their bytes) that passed Envoy's validation rules.
  private final Set<Checked> valid = new HashSet<>();

  /** A resource by its type URL and version, a hash of its bytes (both hash once, as strings). */
  private record Checked(String typeUrl, String version) {}

  /** How many checked resources are remembered before the memory starts over. */
  static final int MAX_REMEMBERED_VALID = 200_000;

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
  public record Build(
      List<GroupSnapshot> snapshots, ResolvedIr resolved, int translated, StageTimes times) {
    public Build {
      snapshots = List.copyOf(snapshots);
      requireNonNull(times, "times");
    }

    public Build(List<GroupSnapshot> snapshots, ResolvedIr resolved, int translated) {
      this(snapshots, resolved, translated, StageTimes.NONE);
    }
  }

  /**
   * How long one build spent in each stage, in nanoseconds, summed over the groups it translated.
   *
   * @param resolve config, endpoints, keys and identities to IR ({@code Resolver.resolve})
   * @param translate IR to Envoy resources ({@code EnvoyTranslator.translate})
   * @param validate Envoy's validation rules over the new resources ({@code PgvRules})
   * @param pack grouping the resources by type with their versions ({@code GroupSnapshot.of})
   */
  public record StageTimes(long resolve, long translate, long validate, long pack) {
    public static final StageTimes NONE = new StageTimes(0, 0, 0, 0);
  }

  public Build build(Inputs inputs) {
    long revision = inputs.config().revision();
    long started = System.nanoTime();
    ResolvedIr resolved =
        Resolver.resolve(
            inputs.config(),
            inputs.endpoints(),
            inputs.keys(),
            mesh,
            inputs.identities(),
            inputs.issuers(),
            resolveCache);
    resolveCache.endBuild();
    long resolveNanos = System.nanoTime() - started;
    long translateNanos = 0;
    long validateNanos = 0;
    long packNanos = 0;
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
        long stage = System.nanoTime();
        GroupResources resources =
            translator.translate(group, inputs.keys(), inputs.identities(), cache);
        long translatedAt = System.nanoTime();
        translateNanos += translatedAt - stage;
        Optional<String> rejected = rejected(resources);
        long validatedAt = System.nanoTime();
        validateNanos += validatedAt - translatedAt;
        if (rejected.isPresent()) {
          log.error(
              "group {} holds a resource Envoy would reject; its proxies keep the last good config:"
                  + " {}",
              group.name(),
              rejected.get());
          failed.add(group.name());
          group
              .ownedBy()
              .ifPresent(
                  owner ->
                      problems.add(
                          Problem.of(
                              owner,
                              "",
                              ProblemReason.TRANSLATION_FAILED,
                              rejected.get() + "; its proxies keep the last good config")));
          continue;
        }
        snapshot = GroupSnapshot.of(resources, revision);
        packNanos += System.nanoTime() - validatedAt;
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
    return new Build(
        snapshots,
        reported,
        translated,
        new StageTimes(resolveNanos, translateNanos, validateNanos, packNanos));
  }

  /**
   * What Envoy would reject in a group's resources, by its validation rules: the first broken
   * resource, its rule and how many more violations there are; empty when every resource passes.
   */
  private Optional<String> rejected(GroupResources resources) {
    if (valid.size() > MAX_REMEMBERED_VALID) {
      valid.clear();
    }
    List<List<EnvoyResource>> types =
        List.of(
            resources.listeners(),
            resources.routes(),
            resources.clusters(),
            resources.endpoints(),
            resources.secrets());
    for (List<EnvoyResource> type : types) {
      for (EnvoyResource resource : type) {
        Checked key = new Checked(resource.packed().getTypeUrl(), resource.version());
        if (valid.contains(key)) {
          continue;
        }
        List<PgvViolation> violations = PgvRules.checkPacked(resource.packed());
        if (violations.isEmpty()) {
          valid.add(key);
          continue;
        }
        PgvViolation first = violations.get(0);
        String typeUrl = resource.packed().getTypeUrl();
        return Optional.of(
            "Envoy would reject "
                + typeUrl.substring(typeUrl.lastIndexOf('.') + 1)
                + " "
                + resource.name()
                + ": "
                + (first.path().isEmpty() ? "" : first.path() + ": ")
                + first.message()
                + " ("
                + first.rule()
                + ")"
                + (violations.size() > 1 ? " and " + (violations.size() - 1) + " more" : ""));
      }
    }
    return Optional.empty();
  }
}
