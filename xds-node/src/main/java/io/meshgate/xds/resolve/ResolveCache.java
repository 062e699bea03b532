package io.meshgate.xds.resolve;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.keys.KeyRing;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What one resolution computed that the next may reuse: pure parts of resolution, each kept with
 * the exact input it was computed from. A part whose input equals the kept one's gets the kept
 * result back — the same instance, so the IR of what did not change is identical from build to
 * build, and the stages after resolve compare and look it up by reference, not by walking it.
 * Inputs compare with {@code equals} (records: every field; lists and records answer at once for
 * the same instance), so no field can be left out. Only the parts the last build used are kept, so
 * the cache never outgrows the config. Not thread-safe: one pipeline thread owns it.
 *
 * <p>A cache never changes a result, only how often it is computed: a resolution with a warm cache
 * equals one with a fresh cache ({@code IncrementalBuildTest} checks it over random change
 * sequences).
 */
public final class ResolveCache {
  /** One kept part: the input it was computed from and its result. */
  private record Kept(Object input, Object result) {}

  private Map<Object, Kept> previous = new HashMap<>();
  private Map<Object, Kept> current = new HashMap<>();
  // Scopes by name: those this build resolved in (ended with it) and those it carried unused.
  private Map<Object, ResolveCache> previousScopes = new HashMap<>();
  private Map<Object, ResolveCache> currentScopes = new HashMap<>();
  private final Set<Object> carried = new HashSet<>();
  private final Token butRoutes = new Token(EnumSet.of(Kind.HTTP_ROUTE, Kind.GRPC_ROUTE));
  private final Token butRoutesAndBackends =
      new Token(EnumSet.of(Kind.HTTP_ROUTE, Kind.GRPC_ROUTE, Kind.BACKEND));
  // What the last completed build read, for the Backends and endpoints each build changed.
  private List<Resource> backendsBuilt = List.of();
  private EndpointSnapshot endpointsBuilt = EndpointSnapshot.empty();
  // What this build reads, the next build's baseline once this one completes.
  private @Nullable List<Resource> backendsNow;
  private @Nullable EndpointSnapshot endpointsNow;

  /** A cache that is used for one resolution only: nothing is reused. */
  public static ResolveCache fresh() {
    return new ResolveCache();
  }

  /** An empty cache, for a pipeline to keep from build to build. */
  public ResolveCache() {}

  /**
   * The result of {@code compute} for {@code input}, from the last build when {@code name} had an
   * equal input there.
   *
   * @param name the part, unique within one build (a cluster's name and its group's proxy kind,
   *     say); two computations of one name in one build must have equal inputs or they recompute
   */
  <I, O> O get(Object name, I input, Function<I, O> compute) {
    return get(name, input, result -> true, compute);
  }

  /**
   * As {@link #get(Object, Object, Function)}, reusing a kept result only while {@code stillValid}
   * holds for it too: for a result whose inputs are only known once it is computed (what it read,
   * kept in the result).
   */
  @SuppressWarnings("unchecked")
  <I, O> O get(Object name, I input, Predicate<O> stillValid, Function<I, O> compute) {
    Kept kept = current.get(name);
    if (kept != null && kept.input().equals(input) && stillValid.test((O) kept.result())) {
      return (O) kept.result();
    }
    Kept last = previous.get(name);
    O result =
        last != null && last.input().equals(input) && stillValid.test((O) last.result())
            ? (O) last.result()
            : compute.apply(input);
    current.put(name, new Kept(input, result));
    return result;
  }

  /**
   * The cache of one group's own parts, {@code name} naming the group: what its last resolution
   * kept, in maps of its own, so that looking a part up does not search (and miss in the processor
   * caches of) the parts of thousands of groups. Ended with this cache's build.
   */
  ResolveCache scope(Object name) {
    ResolveCache scope = currentScopes.get(name);
    if (scope == null) {
      scope = previousScopes.get(name);
      if (scope == null) {
        scope = new ResolveCache();
      }
      currentScopes.put(name, scope);
    }
    carried.remove(name);
    return scope;
  }

  /**
   * Keeps the scope of {@code name} for the next build as the last one left it: its group was
   * reused whole this build, so nothing in the scope was used, and all of it is what the group's
   * next resolution may reuse.
   */
  void carry(Object name) {
    ResolveCache scope = previousScopes.get(name);
    if (scope != null && !currentScopes.containsKey(name)) {
      currentScopes.put(name, scope);
      carried.add(name);
    }
  }

  /**
   * What this build changed since the last completed build, in the Backends and their endpoints:
   * {@code endpoints} is returned as the build's endpoints, with each Backend's list that equals
   * the last build's replaced by that very instance ({@link EndpointSnapshot#sharing}); then a
   * Backend whose list is not the last one's changed. Computed once per build, in one pass over
   * each: what notes the Backends and endpoints it read (a sidecar's group) checks them against
   * these sets instead of looking each one up.
   */
  Changes changes(ConfigSnapshot config, EndpointSnapshot endpoints) {
    if (backendsNow != null) {
      // The last build started and never ended (it threw): what it kept was computed from inputs
      // no baseline describes, so nothing kept is reused, and everything counts as changed.
      previous = new HashMap<>();
      current = new HashMap<>();
      previousScopes = new HashMap<>();
      currentScopes = new HashMap<>();
      carried.clear();
      backendsBuilt = List.of();
      endpointsBuilt = EndpointSnapshot.empty();
    }
    EndpointSnapshot shared = endpoints.sharing(endpointsBuilt);
    Set<ResourceKey> changedEndpoints = new HashSet<>();
    if (shared != endpointsBuilt) {
      shared
          .byBackend()
          .forEach(
              (backend, list) -> {
                if (endpointsBuilt.byBackend().get(backend) != list) {
                  changedEndpoints.add(backend);
                }
              });
      endpointsBuilt.byBackend().keySet().stream()
          .filter(backend -> !shared.byBackend().containsKey(backend))
          .forEach(changedEndpoints::add);
    }
    backendsNow = config.ofKind(Kind.BACKEND);
    endpointsNow = shared;
    return new Changes(changed(backendsBuilt, backendsNow), changedEndpoints, shared);
  }

  /**
   * The Backends and endpoints a build changed since the last completed one.
   *
   * @param endpoints the build's endpoints, sharing unchanged lists with the last build
   */
  record Changes(
      Set<ResourceKey> backends, Set<ResourceKey> endpointsOf, EndpointSnapshot endpoints) {
    /**
     * Whether what a part read — the Backends {@code backendsRead} and the endpoints of {@code
     * endpointsRead} — is different now.
     */
    boolean reach(Set<ResourceKey> backendsRead, Set<ResourceKey> endpointsRead) {
      return intersect(backends, backendsRead) || intersect(endpointsOf, endpointsRead);
    }

    private static boolean intersect(Set<ResourceKey> a, Set<ResourceKey> b) {
      Set<ResourceKey> smaller = a.size() <= b.size() ? a : b;
      Set<ResourceKey> larger = smaller == a ? b : a;
      for (ResourceKey key : smaller) {
        if (larger.contains(key)) {
          return true;
        }
      }
      return false;
    }
  }

  /** The keys of the resources added, removed or replaced between two lists sorted by key. */
  private static Set<ResourceKey> changed(List<Resource> before, List<Resource> now) {
    Set<ResourceKey> changed = new HashSet<>();
    int b = 0;
    int n = 0;
    while (b < before.size() || n < now.size()) {
      int order =
          b == before.size()
              ? 1
              : n == now.size() ? -1 : before.get(b).key().compareTo(now.get(n).key());
      if (order < 0) {
        changed.add(before.get(b++).key());
      } else if (order > 0) {
        changed.add(now.get(n++).key());
      } else {
        if (before.get(b) != now.get(n)) {
          changed.add(now.get(n).key());
        }
        b++;
        n++;
      }
    }
    return changed;
  }

  /**
   * A token for everything a gateway route's resolution may read besides the route itself and its
   * Gateway: every resource but HTTPRoutes and GRPCRoutes (compared by reference, as the etcd view
   * keeps an unchanged resource's instance), key material, mesh settings, identities and issuers
   * (compared by value). The same token as last time while all of that is unchanged; a new one when
   * any of it changed, so every route is resolved again. Endpoints are not part of it: what a
   * gateway route resolves to names clusters, whatever their endpoints, and a reused route resolves
   * its clusters again ({@code RouteRules}), so an endpoint change re-resolves the clusters it
   * reaches and no route.
   */
  Object environment(
      ConfigSnapshot config,
      KeyRing keys,
      MeshSettings mesh,
      Identities identities,
      IssuerSnapshot issuers) {
    return butRoutes.of(new Environment(config, keys, mesh, identities, issuers));
  }

  /**
   * As {@link #environment}, with Backends left out too: for a part that notes every Backend it
   * reads and checks those itself (a sidecar's group, {@code SidecarGroups}), so that one Backend's
   * change reaches only the parts that read it.
   */
  Object environmentButBackends(
      ConfigSnapshot config,
      KeyRing keys,
      MeshSettings mesh,
      Identities identities,
      IssuerSnapshot issuers) {
    return butRoutesAndBackends.of(new Environment(config, keys, mesh, identities, issuers));
  }

  /** One environment token, for everything but the kinds {@code ignored}. */
  private static final class Token {
    private final Set<Kind> ignored;
    private @Nullable Environment last;
    private Object token = new Object();

    Token(Set<Kind> ignored) {
      this.ignored = ignored;
    }

    Object of(Environment now) {
      if (last == null || !last.sameAs(now, ignored)) {
        token = new Object();
      }
      last = now;
      return token;
    }
  }

  private record Environment(
      ConfigSnapshot config,
      KeyRing keys,
      MeshSettings mesh,
      Identities identities,
      IssuerSnapshot issuers) {
    boolean sameAs(Environment other, Set<Kind> ignored) {
      if (!(mesh.equals(other.mesh)
          && keys.equals(other.keys)
          && identities.equals(other.identities)
          && issuers.equals(other.issuers))) {
        return false;
      }
      for (Kind kind : Kind.values()) {
        if (ignored.contains(kind)) {
          continue;
        }
        List<Resource> these = config.ofKind(kind);
        List<Resource> those = other.config.ofKind(kind);
        if (these.size() != those.size()) {
          return false;
        }
        for (int i = 0; i < these.size(); i++) {
          if (these.get(i) != those.get(i)) {
            return false;
          }
        }
      }
      return true;
    }
  }

  /** Ends a build: what it used is what the next build may reuse. */
  public void endBuild() {
    if (backendsNow != null && endpointsNow != null) {
      backendsBuilt = backendsNow;
      endpointsBuilt = endpointsNow;
    }
    backendsNow = null;
    endpointsNow = null;
    int size = current.size();
    previous = current;
    // Sized for a build like this one, so that the next does not grow it step by step.
    current = new HashMap<>((int) (size / 0.75f) + 1);
    currentScopes.forEach(
        (name, scope) -> {
          if (!carried.contains(name)) {
            scope.endBuild();
          }
        });
    carried.clear();
    previousScopes = currentScopes;
    currentScopes = new HashMap<>((int) (previousScopes.size() / 0.75f) + 1);
  }
}
