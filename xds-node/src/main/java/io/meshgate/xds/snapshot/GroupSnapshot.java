package io.meshgate.xds.snapshot;

import static java.util.Objects.requireNonNull;

import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.Versions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything one proxy group is served, by type URL. Versions are content hashes, so two replicas
 * that built from the same etcd revision hold equal snapshots, and a proxy that fails over gets no
 * push.
 *
 * @param revision the etcd revision the config came from
 */
public record GroupSnapshot(String group, long revision, Map<String, TypeResources> types) {
  public GroupSnapshot {
    requireNonNull(group, "group");
    types = Map.copyOf(types);
  }

  /**
   * A group's translated resources, by type, with a version per type. Only groups and versions: the
   * envoy stage translated and packed each resource.
   */
  public static GroupSnapshot of(GroupResources resources, long revision) {
    Map<String, TypeResources> types = new TreeMap<>();
    types.put(TypeUrls.CLUSTER, type(TypeUrls.CLUSTER, resources.clusters()));
    types.put(TypeUrls.ENDPOINT, type(TypeUrls.ENDPOINT, resources.endpoints()));
    types.put(TypeUrls.LISTENER, type(TypeUrls.LISTENER, resources.listeners()));
    types.put(TypeUrls.ROUTE, type(TypeUrls.ROUTE, resources.routes()));
    types.put(TypeUrls.SECRET, type(TypeUrls.SECRET, resources.secrets()));
    return new GroupSnapshot(resources.group(), revision, types);
  }

  public TypeResources type(String typeUrl) {
    TypeResources type = types.get(typeUrl);
    return type != null
        ? type
        : new TypeResources(typeUrl, Versions.ofVersions(List.of()), new TreeMap<>());
  }

  /** Same content for every type (the revision may differ). */
  public boolean sameContentAs(GroupSnapshot other) {
    return other != null
        && TypeUrls.ALL.stream().allMatch(t -> type(t).version().equals(other.type(t).version()));
  }

  private static TypeResources type(String typeUrl, TreeMap<String, VersionedResource> byName) {
    return new TypeResources(
        typeUrl,
        Versions.ofVersions(
            byName.values().stream().map(r -> r.name() + "=" + r.version()).toList()),
        byName);
  }

  private static TypeResources type(String typeUrl, List<EnvoyResource> resources) {
    TreeMap<String, VersionedResource> byName = new TreeMap<>();
    for (EnvoyResource resource : resources) {
      byName.put(
          resource.name(),
          new VersionedResource(resource.name(), resource.version(), resource.packed()));
    }
    return type(typeUrl, byName);
  }
}
