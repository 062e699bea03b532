package io.meshgate.xds.serve;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.meshgate.xds.envoy.Versions;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Hand-built snapshots for serving tests: per group, type and name a short tag that is the
 * resource's only content (a listener's stat prefix, a route table's virtual host name, a cluster's
 * alt stat name, an assignment's zone). Changing a tag changes the resource's version and its
 * type's. Not thread-safe: one test thread publishes.
 */
final class GroupConfig {
  private final Map<String, Map<String, Map<String, String>>> groups = new TreeMap<>();
  private long revision;

  /** Sets {@code name} of {@code typeUrl} in {@code group} to {@code tag}. */
  GroupConfig set(String group, String typeUrl, String name, String tag) {
    groups
        .computeIfAbsent(group, g -> new TreeMap<>())
        .computeIfAbsent(typeUrl, t -> new TreeMap<>())
        .put(name, tag);
    return this;
  }

  GroupConfig remove(String group, String typeUrl, String name) {
    groups.getOrDefault(group, Map.of()).getOrDefault(typeUrl, new HashMap<>()).remove(name);
    return this;
  }

  /** The tag of each name, as the store serves it now. */
  Map<String, String> tags(String group, String typeUrl) {
    return Map.copyOf(groups.getOrDefault(group, Map.of()).getOrDefault(typeUrl, Map.of()));
  }

  /** Replaces the store's content with this config, at the next revision. */
  void publishTo(SnapshotStore store) {
    revision++;
    List<GroupSnapshot> snapshots = new ArrayList<>();
    groups.forEach((group, types) -> snapshots.add(snapshot(group, types)));
    store.replaceAll(snapshots);
  }

  private GroupSnapshot snapshot(String group, Map<String, Map<String, String>> types) {
    Map<String, TypeResources> byType = new TreeMap<>();
    types.forEach(
        (typeUrl, tags) -> {
          TreeMap<String, VersionedResource> resources = new TreeMap<>();
          List<String> versions = new ArrayList<>();
          tags.forEach(
              (name, tag) -> {
                Any any = any(typeUrl, name, tag);
                String version = Versions.of(any);
                resources.put(name, new VersionedResource(name, version, any));
                versions.add(name + "=" + version);
              });
          byType.put(typeUrl, new TypeResources(typeUrl, Versions.ofVersions(versions), resources));
        });
    return new GroupSnapshot(group, revision, byType);
  }

  static Any any(String typeUrl, String name, String tag) {
    return switch (typeUrl) {
      case TypeUrls.LISTENER ->
          Any.pack(Listener.newBuilder().setName(name).setStatPrefix(tag).build());
      case TypeUrls.ROUTE ->
          Any.pack(
              RouteConfiguration.newBuilder()
                  .setName(name)
                  .addVirtualHosts(VirtualHost.newBuilder().setName(tag).addDomains("*"))
                  .build());
      case TypeUrls.CLUSTER ->
          Any.pack(Cluster.newBuilder().setName(name).setAltStatName(tag).build());
      case TypeUrls.ENDPOINT ->
          Any.pack(
              ClusterLoadAssignment.newBuilder()
                  .setClusterName(name)
                  .addEndpoints(
                      LocalityLbEndpoints.newBuilder()
                          .setLocality(Locality.newBuilder().setZone(tag)))
                  .build());
      default ->
          throw new IllegalArgumentException(
              "typeUrl: " + typeUrl + " (expected: LDS, RDS, CDS or EDS)");
    };
  }

  static String name(Any any) {
    try {
      return switch (any.getTypeUrl()) {
        case TypeUrls.LISTENER -> any.unpack(Listener.class).getName();
        case TypeUrls.ROUTE -> any.unpack(RouteConfiguration.class).getName();
        case TypeUrls.CLUSTER -> any.unpack(Cluster.class).getName();
        case TypeUrls.ENDPOINT -> any.unpack(ClusterLoadAssignment.class).getClusterName();
        default -> throw new IllegalArgumentException("typeUrl: " + any.getTypeUrl());
      };
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static String tag(Any any) {
    try {
      return switch (any.getTypeUrl()) {
        case TypeUrls.LISTENER -> any.unpack(Listener.class).getStatPrefix();
        case TypeUrls.ROUTE -> any.unpack(RouteConfiguration.class).getVirtualHosts(0).getName();
        case TypeUrls.CLUSTER -> any.unpack(Cluster.class).getAltStatName();
        case TypeUrls.ENDPOINT ->
            any.unpack(ClusterLoadAssignment.class).getEndpoints(0).getLocality().getZone();
        default -> throw new IllegalArgumentException("typeUrl: " + any.getTypeUrl());
      };
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
