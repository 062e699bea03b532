package io.meshgate.bench;

import io.meshgate.config.store.ConfigSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * A mesh config of a given size, built through the same parser and validator as published events
 * ({@link LargeConfig#parse}): {@code services} in-mesh Backends ({@code svc-S}, one static
 * endpoint per instance), {@code sidecars} Sidecars ({@code sidecar-I}, each its own group) spread
 * evenly over the services, each declaring {@code upstreams} upstreams — the next services in order
 * — and one mesh-style HTTPRoute per service (parentRef the Backend, one rule to it).
 *
 * <p>The changes one service makes: {@link #withChangedEndpoint} moves service 0's first endpoint
 * (its callers' sidecars, {@code upstreams} services' worth, hold its assignment); {@link
 * #withChangedRoute} changes the path of service 0's route. Each is one revision later.
 */
public final class MeshConfig {
  private final int sidecars;
  private final int services;
  private final int upstreams;

  public MeshConfig(int sidecars, int services, int upstreams) {
    if (upstreams >= services) {
      throw new IllegalArgumentException(
          "upstreams: " + upstreams + " (expected: fewer than services, " + services + ")");
    }
    this.sidecars = sidecars;
    this.services = services;
    this.upstreams = upstreams;
  }

  /** 2,000 sidecars, 200 services, 20 upstreams per sidecar: issue 24 §6's mesh. */
  public static MeshConfig issue24() {
    return new MeshConfig(2_000, 200, 20);
  }

  /** The same services and routes without a sidecar: the baseline a sidecar's cost is over. */
  public MeshConfig withoutSidecars() {
    return new MeshConfig(0, services, upstreams);
  }

  public int sidecars() {
    return sidecars;
  }

  /** How many sidecars hold service {@code service}'s cluster (those that call it). */
  public int callersOf(int service) {
    int callers = 0;
    for (int i = 0; i < sidecars; i++) {
      int own = i % services;
      int distance = Math.floorMod(service - own, services);
      if (distance >= 1 && distance <= upstreams) {
        callers++;
      }
    }
    return callers;
  }

  /** The upstream services (their indices) sidecar {@code sidecar} declares. */
  public List<Integer> upstreamsOf(int sidecar) {
    List<Integer> services = new ArrayList<>();
    for (int u = 1; u <= upstreams; u++) {
      services.add((sidecar % this.services + u) % this.services);
    }
    return services;
  }

  public ConfigSnapshot snapshot() {
    return build(Change.NONE);
  }

  /**
   * The config as YAML documents with service 0's first endpoint on {@code port} (otherwise 21000):
   * a change one service makes that its callers can tell apart, for the fleet bench.
   */
  public String yamlWithFirstEndpointPort(int port) {
    return yaml(Change.NONE, port);
  }

  /** {@link #snapshot()} with service 0's first endpoint moved, as the etcd view holds it. */
  public ConfigSnapshot withChangedEndpoint(ConfigSnapshot base) {
    return LargeConfig.sharing(base, build(Change.ENDPOINT));
  }

  /** {@link #snapshot()} with service 0's route path changed, as the etcd view holds it. */
  public ConfigSnapshot withChangedRoute(ConfigSnapshot base) {
    return LargeConfig.sharing(base, build(Change.ROUTE));
  }

  private enum Change {
    NONE,
    ENDPOINT,
    ROUTE
  }

  private ConfigSnapshot build(Change change) {
    return LargeConfig.parse(yaml(change, 21000), change == Change.NONE ? 1 : 2);
  }

  private String yaml(Change change, int firstPort) {
    StringBuilder yaml = new StringBuilder();
    int instances = Math.max(1, (sidecars + services - 1) / services);
    for (int s = 0; s < services; s++) {
      yaml.append("---\napiVersion: meshgate.io/v1alpha1\nkind: Backend\n");
      yaml.append("metadata: {name: svc-").append(s).append("}\n");
      yaml.append("spec:\n  mesh: {}\n  static: {endpoints: [");
      for (int e = 0; e < instances; e++) {
        int host = s == 0 && e == 0 && change == Change.ENDPOINT ? 250 : e + 1;
        yaml.append(e == 0 ? "" : ", ")
            .append("{address: 10.")
            .append(s / 250)
            .append('.')
            .append(s % 250)
            .append('.')
            .append(host)
            .append(", port: ")
            .append(s == 0 && e == 0 ? firstPort : 21000)
            .append('}');
      }
      yaml.append("]}\n");
      yaml.append("---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n");
      yaml.append("metadata: {name: svc-").append(s).append("}\nspec:\n");
      yaml.append("  parentRefs: [{group: meshgate.io, kind: Backend, name: svc-")
          .append(s)
          .append("}]\n");
      String path = s == 0 && change == Change.ROUTE ? "/api-changed" : "/api";
      yaml.append("  rules:\n  - matches: [{path: {type: PathPrefix, value: ")
          .append(path)
          .append("}}]\n    backendRefs: [{group: meshgate.io, kind: Backend, name: svc-")
          .append(s)
          .append("}]\n");
    }
    for (int i = 0; i < sidecars; i++) {
      int own = i % services;
      yaml.append("---\napiVersion: meshgate.io/v1alpha1\nkind: Sidecar\n");
      yaml.append("metadata: {name: sidecar-").append(i).append("}\nspec:\n");
      yaml.append("  service: svc-").append(own).append('\n');
      yaml.append("  inbound: {port: 21000, localPort: 8080}\n  upstreams:\n");
      int port = 9001;
      for (int service : upstreamsOf(i)) {
        yaml.append("    - {backend: svc-")
            .append(service)
            .append(", localBindPort: ")
            .append(port++)
            .append("}\n");
      }
    }
    return yaml.toString();
  }
}
