package io.meshgate.bench;

import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Kind;
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
 * the same config with one rule's path changed, one revision later.
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

  public ConfigSnapshot snapshot() {
    return build(-1);
  }

  /**
   * {@code base} with route {@code route}'s first path changed, as a replica's etcd view would hold
   * it: the changed route is a new resource at the next revision, every other resource the same
   * instance as in {@code base}.
   */
  public ConfigSnapshot withChangedRoute(ConfigSnapshot base, int route) {
    ResourceKey key = new ResourceKey(Kind.HTTP_ROUTE, "default", "route-" + route);
    Resource changed = build(route).get(key).orElseThrow();
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>(base.resources());
    resources.put(key, changed);
    return new ConfigSnapshot(base.revision() + 1, resources);
  }

  private ConfigSnapshot build(int changedRoute) {
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
            .append(e + 1)
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
    return parse(yaml.toString(), changedRoute >= 0 ? 2 : 1);
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
