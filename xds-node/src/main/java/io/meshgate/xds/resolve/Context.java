package io.meshgate.xds.resolve;

import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointSnapshot;
import io.meshgate.meshbridge.identity.Identities;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.issuers.IssuerSnapshot;
import io.meshgate.xds.keys.KeyRing;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/** The inputs of one resolution, and the problems it collects (deduplicated, in order found). */
final class Context {
  final ConfigSnapshot config;
  final EndpointSnapshot endpoints;
  final KeyRing keys;
  final MeshSettings mesh;
  final Identities identities;
  final IssuerSnapshot issuers;
  private final Set<Problem> problems = new LinkedHashSet<>();
  private final List<String> failed = new ArrayList<>();
  private Policies policies;
  private final Map<String, Object> memos = new HashMap<>();

  Context(
      ConfigSnapshot config,
      EndpointSnapshot endpoints,
      KeyRing keys,
      MeshSettings mesh,
      Identities identities,
      IssuerSnapshot issuers) {
    this.config = config;
    this.endpoints = endpoints;
    this.keys = keys;
    this.mesh = mesh;
    this.identities = identities;
    this.issuers = issuers;
  }

  /** The config's mesh bridges, indexed on first use (their Problems are found once). */
  Bridges bridges() {
    return memo("bridges", () -> Bridges.of(this));
  }

  /** The access rules of in-mesh Backends, indexed on first use. */
  MeshAccess access() {
    return memo("meshAccess", () -> new MeshAccess(this));
  }

  Optional<Resource> get(ResourceKey key) {
    return config.get(key);
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

  void problemIf(
      boolean condition, Resource resource, String path, ProblemReason reason, String message) {
    if (condition) {
      problem(resource, path, reason, message);
    }
  }

  /** A problem with a resource: a JSON pointer into it, the reason, and what is wrong. */
  void problem(Resource resource, String path, ProblemReason reason, String message) {
    problems.add(Problem.of(source(resource), path, reason, message));
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
