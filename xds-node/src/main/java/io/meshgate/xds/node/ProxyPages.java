package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.envoy.Provenance;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.serve.ProxyConfig;
import io.meshgate.xds.serve.ProxyStatus;
import io.meshgate.xds.serve.StreamStatus;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The bodies of {@code /debug/proxies} (each connected stream's per-type state, for {@code meshgate
 * proxy-status}) and {@code /debug/config?node=NODE} (what a node's streams were sent, Secrets
 * redacted, each resource with the config resources it came from, for {@code meshgate
 * proxy-config}). Both sit behind the admin token like the rest of {@code /debug}.
 */
final class ProxyPages {
  private final String replicaId;
  private final Supplier<List<StreamStatus>> streams;
  private final SnapshotStore store;
  private final Supplier<@Nullable ResolvedIr> resolved;
  private final Clock clock;

  ProxyPages(
      String replicaId,
      Supplier<List<StreamStatus>> streams,
      SnapshotStore store,
      Supplier<@Nullable ResolvedIr> resolved,
      Clock clock) {
    this.replicaId = requireNonNull(replicaId, "replicaId");
    this.streams = requireNonNull(streams, "streams");
    this.store = requireNonNull(store, "store");
    this.resolved = requireNonNull(resolved, "resolved");
    this.clock = requireNonNull(clock, "clock");
  }

  /** {@code {"replica": ..., "proxies": [...]}}, one entry per stream. */
  ObjectNode proxies() {
    ObjectNode root = Mappers.json().createObjectNode();
    root.put("replica", replicaId);
    ArrayNode proxies = root.putArray("proxies");
    for (StreamStatus stream : streams.get()) {
      proxies.add(
          Mappers.json()
              .valueToTree(ProxyStatus.of(stream, store.get(stream.group()), clock.instant())));
    }
    return root;
  }

  /** Every stream of {@code node}; empty when it has none on this replica. */
  Optional<ObjectNode> config(String node) {
    List<StreamStatus> matching =
        streams.get().stream().filter(s -> s.nodeId().equals(node)).toList();
    if (matching.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode root = Mappers.json().createObjectNode();
    root.put("replica", replicaId);
    ArrayNode configs = root.putArray("streams");
    for (StreamStatus stream : matching) {
      configs.add(ProxyConfig.of(stream, store.get(stream.group()), provenance(stream.group())));
    }
    return Optional.of(root);
  }

  private Optional<ProxyConfig.Sources> provenance(String group) {
    ResolvedIr ir = resolved.get();
    if (ir == null) {
      return Optional.empty();
    }
    return ir.groups().stream()
        .filter(g -> g.name().equals(group))
        .findFirst()
        .map(ProxyPages::provenanceOf);
  }

  private static ProxyConfig.Sources provenanceOf(ProxyGroupIr group) {
    Provenance provenance = Provenance.of(group);
    return (typeUrl, name) -> provenance.of(part(typeUrl), name);
  }

  private static Provenance.Part part(String typeUrl) {
    return switch (typeUrl) {
      case TypeUrls.LISTENER -> Provenance.Part.LISTENERS;
      case TypeUrls.ROUTE -> Provenance.Part.ROUTES;
      case TypeUrls.CLUSTER -> Provenance.Part.CLUSTERS;
      case TypeUrls.ENDPOINT -> Provenance.Part.ENDPOINTS;
      case TypeUrls.SECRET -> Provenance.Part.SECRETS;
      default -> throw new IllegalArgumentException("typeUrl: " + typeUrl + " (expected: xDS)");
    };
  }

  /** The {@code node} parameter of a raw query string; empty when absent or blank. */
  static Optional<String> nodeParameter(@Nullable String rawQuery) {
    if (rawQuery == null) {
      return Optional.empty();
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.startsWith("node=")) {
        String value = URLDecoder.decode(pair.substring(5), StandardCharsets.UTF_8);
        return value.isBlank() ? Optional.empty() : Optional.of(value);
      }
    }
    return Optional.empty();
  }
}
