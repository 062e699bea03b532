package io.meshgate.bench;

import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import java.util.TreeMap;

/**
 * A gateway config of a given size, built through the same parser and validator as published
 * events: one Gateway with an HTTP listener, {@code backends} Backends with {@code endpoints}
 * static endpoints each, and {@code routes} HTTPRoutes of {@code rulesPerRoute} rules each (one
 * hostname per route; rule 0 splits 90/10 between two backends). {@link #withChangedRoute} gives
 * the same config with one rule's path changed, {@link #withChangedEndpoint} with one Backend's
 * first endpoint moved, each one revision later.
 *
 * <p>{@link MeshConfig} is the mesh's counterpart: sidecars, each its own group.
 */
public final class LargeConfig {
  private final int backends;
  private final int endpoints;
  private final int routes;
  private final int rulesPerRoute;

  public LargeConfig(int backends, int endpoints, int routes, int rulesPerRoute) {
    this.backends = backends;
    this.endpoints = endpoints;
    this.routes = routes;
    this.rulesPerRoute = rulesPerRoute;
  }

  /** 1,000 clusters, 5,000 routes, 20,000 endpoints: the size issue 8 sets its goals for. */
  public static LargeConfig issue8() {
    return new LargeConfig(1_000, 20, 1_000, 5);
  }

  /**
   * 5,000 clusters, 10,000 routes, 50,000 endpoints on one gateway: issue 24 §6's size (2,000
   * HTTPRoutes of 5 rules, 5,000 Backends of 10 endpoints).
   */
  public static LargeConfig issue24Gateway() {
    return new LargeConfig(5_000, 10, 2_000, 5);
  }

  public ConfigSnapshot snapshot() {
    return build(-1, -1);
  }

  /**
   * {@code base} with route {@code route}'s first path changed, as a replica's etcd view would hold
   * it: see {@link #sharing}.
   */
  public ConfigSnapshot withChangedRoute(ConfigSnapshot base, int route) {
    return sharing(base, build(route, -1));
  }

  /** {@code base} with Backend {@code backend}'s first endpoint at another address, shared. */
  public ConfigSnapshot withChangedEndpoint(ConfigSnapshot base, int backend) {
    return sharing(base, build(-1, backend));
  }

  /**
   * {@code changed} as a replica's etcd view holds it after {@code base}: a resource whose content
   * did not change is {@code base}'s very instance (the view hands unchanged resources on), only
   * the changed ones are new, at the next revision.
   */
  public static ConfigSnapshot sharing(ConfigSnapshot base, ConfigSnapshot changed) {
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>();
    changed
        .resources()
        .forEach(
            (key, resource) -> {
              Resource before = base.resources().get(key);
              resources.put(
                  key,
                  before != null && before.withMetadata(resource.metadata()).equals(resource)
                      ? before
                      : resource);
            });
    return new ConfigSnapshot(Math.max(base.revision() + 1, changed.revision()), resources);
  }

  private ConfigSnapshot build(int changedRoute, int changedBackend) {
    StringBuilder yaml = new StringBuilder();
    yaml.append(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec: {listeners: [{name: http, port: 80, protocol: HTTP}]}
        """);
    for (int b = 0; b < backends; b++) {
      yaml.append("---\napiVersion: meshgate.io/v1alpha1\nkind: Backend\n");
      yaml.append("metadata: {name: svc-").append(b).append("}\nspec: {static: {endpoints: [");
      for (int e = 0; e < endpoints; e++) {
        yaml.append(e == 0 ? "" : ", ")
            .append("{address: 10.")
            .append(b / 250)
            .append('.')
            .append(b % 250)
            .append('.')
            .append(b == changedBackend && e == 0 ? 250 : e + 1)
            .append(", port: 8080}");
      }
      yaml.append("]}}\n");
    }
    for (int r = 0; r < routes; r++) {
      yaml.append("---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n");
      yaml.append("metadata: {name: route-").append(r).append("}\nspec:\n");
      yaml.append("  parentRefs: [{name: edge}]\n");
      yaml.append("  hostnames: [svc-").append(r).append(".example.com]\n  rules:\n");
      for (int k = 0; k < rulesPerRoute; k++) {
        String path = "/api/v" + k + (r == changedRoute && k == 0 ? "-changed" : "");
        yaml.append("  - matches: [{path: {type: PathPrefix, value: ").append(path).append("}}]\n");
        int backend = r % backends;
        if (k == 0) {
          yaml.append("    backendRefs: [{name: svc-")
              .append(backend)
              .append(", weight: 90}, {name: svc-")
              .append((backend + 1) % backends)
              .append(", weight: 10}]\n");
        } else {
          yaml.append("    backendRefs: [{name: svc-").append(backend).append("}]\n");
        }
      }
    }
    return parse(yaml.toString(), changedRoute >= 0 || changedBackend >= 0 ? 2 : 1);
  }

  /** Validates every document, as the applier would, and stores it at {@code revision}. */
  public static ConfigSnapshot parse(String yaml, long revision) {
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>();
    for (Document document : YamlDocuments.read("bench.yaml", yaml)) {
      Validation validation = ResourceValidator.get().validate(document.tree());
      if (validation instanceof Validation.Invalid invalid) {
        throw new IllegalStateException(invalid.subject() + ": " + invalid.violations());
      }
      Resource resource = ((Validation.Valid) validation).resource();
      resources.put(
          resource.key(),
          resource.withMetadata(
              resource
                  .metadata()
                  .withBookkeeping("uid-" + resource.metadata().name(), 1, revision)));
    }
    return new ConfigSnapshot(revision, resources);
  }
}
