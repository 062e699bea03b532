package io.meshgate.xds.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.Versions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

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

  /** A group's resources packed and versioned, from scratch. */
  public static GroupSnapshot of(GroupResources resources, long revision) {
    return of(resources, revision, new ResourcePacker());
  }

  /**
   * A group's resources packed and versioned, reusing what {@code packer} packed for the same
   * resource instances before. Only packs and versions: the resources come translated.
   */
  public static GroupSnapshot of(GroupResources resources, long revision, ResourcePacker packer) {
    Map<String, TypeResources> types = new TreeMap<>();
    types.put(
        TypeUrls.CLUSTER, type(TypeUrls.CLUSTER, resources.clusters(), Cluster::getName, packer));
    types.put(
        TypeUrls.ENDPOINT,
        type(
            TypeUrls.ENDPOINT,
            resources.endpoints(),
            ClusterLoadAssignment::getClusterName,
            packer));
    types.put(
        TypeUrls.LISTENER,
        type(TypeUrls.LISTENER, resources.listeners(), Listener::getName, packer));
    types.put(
        TypeUrls.ROUTE,
        type(TypeUrls.ROUTE, resources.routes(), RouteConfiguration::getName, packer));
    types.put(TypeUrls.SECRET, type(TypeUrls.SECRET, resources.secrets(), Secret::getName, packer));
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

  private static <M extends Message> TypeResources type(
      String typeUrl, List<M> resources, Function<M, String> name, ResourcePacker packer) {
    TreeMap<String, VersionedResource> byName = new TreeMap<>();
    for (M resource : resources) {
      byName.put(name.apply(resource), packer.pack(name.apply(resource), resource));
    }
    return type(typeUrl, byName);
  }
}
