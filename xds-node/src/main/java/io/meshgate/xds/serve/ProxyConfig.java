package io.meshgate.xds.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotDump;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import java.util.List;
import java.util.Optional;

/**
 * What one stream was sent, as {@code /debug/config?node=NODE} shows it and {@code meshgate
 * proxy-config} prints it: per part (listeners, routes, clusters, endpoints, secrets) the type's
 * {@link SyncState}, the version the proxy holds and, when it holds the group's current version,
 * each resource it asked for as {@link SnapshotDump} prints it (a Secret as its name, what it holds
 * and a fingerprint), annotated with the config resources it came from. A replica keeps only its
 * current snapshots: of a type the proxy does not hold at the current version, the resources are
 * not shown (the version it holds is). Pure.
 */
public final class ProxyConfig {
  /** A part of the output: its key and its type. */
  private record Part(String key, String typeUrl) {}

  /**
   * Where a resource came from: the config resources named as {@code HTTPRoute default/web
   * (generation 3)}. The node derives it from the IR (envoy's Provenance); serve does not see the
   * envoy stage.
   */
  @FunctionalInterface
  public interface Sources {
    List<String> of(String typeUrl, String name);
  }

  /** In the order {@code meshgate translate} prints them. */
  private static final List<Part> PARTS =
      List.of(
          new Part("listeners", TypeUrls.LISTENER),
          new Part("routes", TypeUrls.ROUTE),
          new Part("clusters", TypeUrls.CLUSTER),
          new Part("endpoints", TypeUrls.ENDPOINT),
          new Part("secrets", TypeUrls.SECRET));

  /** The part keys, as {@code proxy-config} takes them. */
  public static final List<String> KEYS = PARTS.stream().map(Part::key).toList();

  private ProxyConfig() {}

  /**
   * @param snapshot the group's current snapshot (empty: none yet)
   * @param sources where the group's resources came from (empty: the replica has no IR for the
   *     group, and {@code from} is left out)
   */
  public static ObjectNode of(
      StreamStatus stream, Optional<GroupSnapshot> snapshot, Optional<Sources> sources) {
    ObjectNode root = Mappers.json().createObjectNode();
    root.put("node", stream.nodeId());
    root.put("group", stream.group());
    root.put("stream", stream.id());
    for (Part part : PARTS) {
      Optional<TypeStatus> type =
          stream.types().stream().filter(t -> t.typeUrl().equals(part.typeUrl())).findFirst();
      if (type.isEmpty()) {
        continue; // never asked for
      }
      TypeStatus status = type.get();
      Optional<TypeResources> current = snapshot.map(s -> s.type(part.typeUrl()));
      SyncState state = SyncState.of(status, current.map(TypeResources::version).orElse(null));
      ObjectNode out = root.putObject(part.key());
      out.put("state", state.label());
      out.put("version", status.syncedVersion());
      ArrayNode resources = out.putArray("resources");
      if (state != SyncState.SYNCED) {
        continue;
      }
      for (VersionedResource resource : held(status, current.get())) {
        ObjectNode entry = resources.addObject();
        entry.put("name", resource.name());
        entry.put("version", resource.version());
        sources.ifPresent(
            p -> {
              ArrayNode from = entry.putArray("from");
              p.of(part.typeUrl(), resource.name()).forEach(from::add);
            });
        entry.set("resource", SnapshotDump.resource(part.typeUrl(), resource));
      }
    }
    return root;
  }

  /** The resources of {@code type} the stream asked for: all of them for a wildcard. */
  static List<VersionedResource> held(TypeStatus status, TypeResources type) {
    if (status.wildcard()) {
      return List.copyOf(type.resources().values());
    }
    return type.resources().values().stream()
        .filter(r -> status.names().contains(r.name()))
        .toList();
  }
}
