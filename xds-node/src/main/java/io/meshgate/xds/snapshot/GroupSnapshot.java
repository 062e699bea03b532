package io.meshgate.xds.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshgate.xds.envoy.EnvoyTranslator;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.envoy.Versions;
import io.meshgate.xds.ir.CertificateIr;
import io.meshgate.xds.ir.ClusterIr;
import io.meshgate.xds.ir.ListenerIr;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.keys.PrivateKeys;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  public static GroupSnapshot of(GroupResources resources, long revision) {
    Map<String, TypeResources> types = new TreeMap<>();
    types.put(TypeUrls.CLUSTER, type(TypeUrls.CLUSTER, resources.clusters(), Cluster::getName));
    types.put(
        TypeUrls.ENDPOINT,
        type(TypeUrls.ENDPOINT, resources.endpoints(), ClusterLoadAssignment::getClusterName));
    types.put(TypeUrls.LISTENER, type(TypeUrls.LISTENER, resources.listeners(), Listener::getName));
    types.put(
        TypeUrls.ROUTE, type(TypeUrls.ROUTE, resources.routes(), RouteConfiguration::getName));
    types.put(TypeUrls.SECRET, type(TypeUrls.SECRET, resources.secrets(), Secret::getName));
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

  /**
   * Builds a group's snapshot from its IR, translating only the elements the cache has not seen.
   * Equal to {@code of(EnvoyTranslator.translate(group, keys), revision)} in content and versions.
   */
  public static GroupSnapshot of(
      ProxyGroupIr group, long revision, ResourceCache cache, PrivateKeys keys) {
    ProxyKind kind = group.kind();
    TreeMap<String, VersionedResource> listeners = new TreeMap<>();
    for (ListenerIr listener : group.listeners()) {
      listeners.put(
          listener.name(),
          cache.get(
              List.of(kind, listener),
              listener.name(),
              () -> EnvoyTranslator.listener(listener, kind)));
    }
    TreeMap<String, VersionedResource> routes = new TreeMap<>();
    for (RouteTableIr table : group.routeTables()) {
      routes.put(
          table.name(),
          cache.get(
              List.of(kind, table), table.name(), () -> EnvoyTranslator.routeTable(table, kind)));
    }
    TreeMap<String, VersionedResource> clusters = new TreeMap<>();
    TreeMap<String, VersionedResource> endpoints = new TreeMap<>();
    for (ClusterIr cluster : group.clusters()) {
      // Endpoints and the cluster are cached apart: an endpoint change leaves the cluster as it
      // was.
      clusters.put(
          cluster.name(),
          cache.get(
              Arrays.asList("cluster", cluster.name(), cluster.protocol(), cluster.policy()),
              cluster.name(),
              () -> EnvoyTranslator.cluster(cluster)));
      endpoints.put(
          cluster.name(),
          cache.get(
              List.of("endpoints", cluster),
              cluster.name(),
              () -> EnvoyTranslator.assignment(cluster)));
    }
    TreeMap<String, VersionedResource> secrets = new TreeMap<>();
    for (CertificateIr certificate : group.certificates()) {
      // Keyed by the IR, which holds the sealed key or the file's fingerprint: a new certificate
      // is a new key, and only the Secret changes, so Envoy gets an SDS-only push.
      Optional<VersionedResource> secret =
          cache.find(
              List.of("secret", certificate),
              certificate.name(),
              () -> EnvoyTranslator.secret(certificate, keys));
      secret.ifPresent(s -> secrets.put(certificate.name(), s));
    }
    Map<String, TypeResources> types = new TreeMap<>();
    types.put(TypeUrls.CLUSTER, type(TypeUrls.CLUSTER, clusters));
    types.put(TypeUrls.SECRET, type(TypeUrls.SECRET, secrets));
    types.put(TypeUrls.ENDPOINT, type(TypeUrls.ENDPOINT, endpoints));
    types.put(TypeUrls.LISTENER, type(TypeUrls.LISTENER, listeners));
    types.put(TypeUrls.ROUTE, type(TypeUrls.ROUTE, routes));
    return new GroupSnapshot(group.name(), revision, types);
  }

  private static TypeResources type(String typeUrl, TreeMap<String, VersionedResource> byName) {
    return new TypeResources(
        typeUrl,
        Versions.ofVersions(
            byName.values().stream().map(r -> r.name() + "=" + r.version()).toList()),
        byName);
  }

  private static <M extends Message> TypeResources type(
      String typeUrl, List<M> resources, Function<M, String> name) {
    TreeMap<String, VersionedResource> byName = new TreeMap<>();
    for (M resource : resources) {
      byName.put(
          name.apply(resource),
          new VersionedResource(name.apply(resource), Versions.of(resource), Any.pack(resource)));
    }
    return type(typeUrl, byName);
  }
}
