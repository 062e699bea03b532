package io.meshgate.xds.envoy;

import static java.util.Objects.requireNonNull;

import java.util.Comparator;
import java.util.List;

/**
 * One proxy group's Envoy resources, packed, each list sorted by name. {@code secrets} hold private
 * keys: print them only through {@link Secrets#redacted}.
 */
public record GroupResources(
    String group,
    List<EnvoyResource> listeners,
    List<EnvoyResource> routes,
    List<EnvoyResource> clusters,
    List<EnvoyResource> endpoints,
    List<EnvoyResource> secrets) {
  private static final Comparator<EnvoyResource> BY_NAME =
      Comparator.comparing(EnvoyResource::name);

  public GroupResources {
    requireNonNull(group, "group");
    listeners = sorted(listeners);
    routes = sorted(routes);
    clusters = sorted(clusters);
    endpoints = sorted(endpoints);
    secrets = sorted(secrets);
  }

  private static List<EnvoyResource> sorted(List<EnvoyResource> resources) {
    return resources.stream().sorted(BY_NAME).toList();
  }

  /** Counts only: the secrets hold private keys. */
  @Override
  public String toString() {
    return "GroupResources["
        + group
        + ": "
        + listeners.size()
        + " listeners, "
        + routes.size()
        + " route tables, "
        + clusters.size()
        + " clusters, "
        + endpoints.size()
        + " assignments, "
        + secrets.size()
        + " secrets]";
  }
}
