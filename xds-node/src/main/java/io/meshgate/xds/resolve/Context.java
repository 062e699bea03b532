package io.meshgate.xds.resolve;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.keys.KeyRing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/** The inputs of one resolution, and the problems it collects (deduplicated, in order found). */
final class Context {
  final ConfigSnapshot config;
  final EndpointSnapshot endpoints;

  /** The Backends and endpoints that changed since the cache's last build. */
  final ResolveCache.Changes changes;

  final KeyRing keys;
  final MeshSettings mesh;
  final Identities identities;
  final IssuerSnapshot issuers;

  /** The build's cache: parts shared by every group (localities, routes, the environment). */
  final ResolveCache root;

  /**
   * Where the group being resolved keeps its own parts: {@link #root}, or the group's scope while
   * {@link #inScope} runs.
   */
  ResolveCache cache;

  private final Set<Problem> problems = new LinkedHashSet<>();
  private final List<String> failed = new ArrayList<>();
  private Policies policies;
  private final Map<String, Object> memos = new HashMap<>();
  // Where the Problems raised now are noted too (a route's resolution being recorded); or null.
  private @Nullable List<Problem> recording;
  // What a group being resolved as a whole raised and read; null when none is.
  private @Nullable GroupReads groupReads;

  Context(
      ConfigSnapshot config,
      EndpointSnapshot endpoints,
      KeyRing keys,
      MeshSettings mesh,
      Identities identities,
      IssuerSnapshot issuers,
      ResolveCache cache) {
    this.config = config;
    this.changes = cache.changes(config, endpoints);
    this.endpoints = changes.endpoints();
    this.keys = keys;
    this.mesh = mesh;
    this.identities = identities;
    this.issuers = issuers;
    this.root = cache;
    this.cache = cache;
  }

  /** The config's mesh bridges, indexed on first use (their Problems are found once). */
  Bridges bridges() {
    return memo("bridges", () -> Bridges.of(this));
  }

  /** The access rules of in-mesh Backends, indexed on first use. */
  MeshAccess access() {
    return memo("meshAccess", () -> new MeshAccess(this));
  }

  /** A resource by its key; a Backend is noted as read by the group being resolved, if any. */
  Optional<Resource> get(ResourceKey key) {
    Optional<Resource> found = config.get(key);
    if (key.kind() == Kind.BACKEND) {
      noteBackend(key);
    }
    return found;
  }

  /** Notes a Backend as read by the group being resolved, if any, as {@link #get} does. */
  void noteBackend(ResourceKey key) {
    if (groupReads != null) {
      groupReads.backends().add(key);
    }
  }

  /** A Backend's endpoints; noted as read by the group being resolved as a whole, if any. */
  List<DiscoveredEndpoint> endpoints(ResourceKey backend) {
    List<DiscoveredEndpoint> found = endpoints.endpoints(backend);
    if (groupReads != null) {
      groupReads.endpoints().add(backend);
    }
    return found;
  }

  /**
   * What one group's resolution raised (every Problem, those of the clusters it resolved too), the
   * Backends it read (found or not) and the Backends whose endpoints it read.
   */
  record GroupReads(List<Problem> problems, Set<ResourceKey> backends, Set<ResourceKey> endpoints) {
    static GroupReads empty() {
      return new GroupReads(new ArrayList<>(), new HashSet<>(), new HashSet<>());
    }

    /** Whether none of what it read changed since the last build ({@link ResolveCache#changes}). */
    boolean unchangedIn(ResolveCache.Changes changes) {
      return !changes.reach(backends, endpoints);
    }
  }

  /**
   * A group as the last build resolved it — the same instance, so nothing after resolve looks at it
   * again, and its Problems raised again — while {@code input} (what the group is resolved from,
   * besides the Backends and endpoints it reads) equals the last one's and none of the Backends and
   * endpoints it read changed ({@link GroupReads#unchangedIn}). Otherwise {@code resolution} runs
   * in the group's own scope of the cache ({@link #inScope}), noting what it raises and reads.
   *
   * @param scope the group in the root cache and the name of its scope
   */
  ProxyGroupIr reusedGroup(Object scope, Object input, Supplier<ProxyGroupIr> resolution) {
    boolean[] computed = {false};
    ResolvedGroup resolved =
        root.get(
            scope,
            input,
            kept -> kept.reads().unchangedIn(changes),
            in -> {
              computed[0] = true;
              GroupReads reads = GroupReads.empty();
              ProxyGroupIr group = inScope(scope, () -> readingGroup(reads, resolution));
              return new ResolvedGroup(group, reads);
            });
    if (!computed[0]) {
      root.carry(scope);
      resolved.reads().problems().forEach(this::raise);
    }
    return resolved.group();
  }

  /** A group resolved as a whole, with what it raised and read. */
  private record ResolvedGroup(ProxyGroupIr group, GroupReads reads) {}

  /**
   * Runs {@code work} (one group's whole resolution), noting what it raises and reads in {@code
   * into}.
   */
  <T> T readingGroup(GroupReads into, Supplier<T> work) {
    GroupReads outer = groupReads;
    groupReads = into;
    try {
      return work.get();
    } finally {
      groupReads = outer;
    }
  }

  /**
   * Runs {@code work} with {@link #cache} the scope of {@code name} ({@link ResolveCache#scope}):
   * one group's own parts in a cache of their own, found without searching every group's.
   */
  <T> T inScope(Object name, Supplier<T> work) {
    return withCache(root.scope(name), work);
  }

  /** Runs {@code work} with {@link #cache} the root: parts shared by every group. */
  <T> T atRoot(Supplier<T> work) {
    return withCache(root, work);
  }

  private <T> T withCache(ResolveCache using, Supplier<T> work) {
    ResolveCache outer = cache;
    cache = using;
    try {
      return work.get();
    } finally {
      cache = outer;
    }
  }

  /** The policies by target, indexed on first use (their Problems are found once). */
  Policies policies() {
    if (policies == null) {
      policies = new Policies(this);
    }
    return policies;
  }

  /** A value computed once per resolution (indexes several stages share). */
  @SuppressWarnings("unchecked")
  <T> T memo(String name, Supplier<T> compute) {
    return (T) memos.computeIfAbsent(name, n -> compute.get());
  }

  /**
   * A group's route table as the last build had it where equal, host by host: the same instances,
   * so what follows resolve compares and finds them by reference ({@link ResolveCache}).
   */
  RouteTableIr kept(String group, RouteTableIr table) {
    return kept(new GroupTable(group, table.name()), table);
  }

  /** As {@link #kept(String, RouteTableIr)}, the table kept under {@code key}. */
  RouteTableIr kept(Object key, RouteTableIr table) {
    List<VirtualHostIr> hosts = new ArrayList<>(table.virtualHosts().size());
    for (VirtualHostIr host : table.virtualHosts()) {
      hosts.add(cache.get(new KeptHost(key, host.name()), host, h -> h));
    }
    return cache.get(new KeptTable(key), new RouteTableIr(table.name(), hosts), t -> t);
  }

  /** A route table by its group and name. */
  private record GroupTable(String group, String table) {}

  /** A kept route table's virtual host. */
  private record KeptHost(Object table, String host) {}

  /** A kept route table. */
  private record KeptTable(Object table) {}

  /**
   * A token for everything a gateway route's resolution may read besides the route and its Gateway
   * (see {@link ResolveCache#environment}): the same instance as the last resolution's while none
   * of it changed.
   */
  Object environment() {
    return memo("environment", () -> root.environment(config, keys, mesh, identities, issuers));
  }

  /**
   * As {@link #environment()}, without Backends ({@link ResolveCache#environmentButBackends}): for
   * a sidecar's group, which notes the Backends it reads.
   */
  Object environmentButBackends() {
    return memo(
        "environmentButBackends",
        () -> root.environmentButBackends(config, keys, mesh, identities, issuers));
  }

  /** Runs {@code work}, noting in {@code into} every Problem it raises too. */
  <T> T recording(List<Problem> into, Supplier<T> work) {
    List<Problem> outer = recording;
    recording = into;
    try {
      return work.get();
    } finally {
      recording = outer;
    }
  }

  /** Runs {@code work} without noting its Problems for a recording around it. */
  <T> T notRecording(Supplier<T> work) {
    return recording(null, work);
  }

  /** Raises a Problem noted earlier (a route reused from the last resolution raises its own). */
  void raise(Problem problem) {
    problems.add(problem);
    if (recording != null) {
      recording.add(problem);
    }
    if (groupReads != null) {
      groupReads.problems().add(problem);
    }
  }

  void problemIf(
      boolean condition, Resource resource, String path, ProblemReason reason, String message) {
    if (condition) {
      problem(resource, path, reason, message);
    }
  }

  /** A problem with a resource: a JSON pointer into it, the reason, and what is wrong. */
  void problem(Resource resource, String path, ProblemReason reason, String message) {
    raise(Problem.of(source(resource), path, reason, message));
  }

  /**
   * Resolves one group, or — when it fails as a whole, which is a bug — records the failure on its
   * owner and returns null: the group keeps its last good snapshot and the rest translates.
   */
  <T> T isolated(String group, Resource owner, Supplier<T> resolution) {
    try {
      return resolution.get();
    } catch (RuntimeException e) {
      failed.add(group);
      if (owner != null) {
        problems.add(Problem.translationFailed(source(owner), e));
      }
      LoggerFactory.getLogger(Context.class)
          .error("resolving group {} failed; its proxies keep the last good config", group, e);
      return null;
    }
  }

  List<String> failed() {
    return List.copyOf(failed);
  }

  List<Problem> problems() {
    return new ArrayList<>(problems);
  }

  static SourceRef source(Resource resource) {
    Long generation = resource.metadata().generation();
    return new SourceRef(
        resource.kind().wireName(),
        resource.metadata().namespace(),
        resource.metadata().name(),
        generation == null ? 0 : generation);
  }
}
