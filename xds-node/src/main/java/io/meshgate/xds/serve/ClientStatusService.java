package io.meshgate.xds.serve;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.admin.v3.UpdateFailureState;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.envoyproxy.envoy.service.status.v3.ConfigStatus;
import io.envoyproxy.envoy.type.matcher.v3.NodeMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SensitiveFields;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Envoy's Client Status Discovery Service: what each stream connected to this replica holds, one
 * {@link ClientConfig} per stream, one {@link ClientConfig.GenericXdsConfig} per resource it asked
 * for. A Secret's contents are never sent: its {@code xds_config} is a Secret holding only its
 * name; other resources come with the fields Envoy marks sensitive redacted. Contents are sent only
 * for resources the proxy holds at the group's current version (the replica keeps no older ones).
 * {@code node_matchers} take an exact {@code node_id}; none matches every client.
 */
public final class ClientStatusService
    extends ClientStatusDiscoveryServiceGrpc.ClientStatusDiscoveryServiceImplBase {
  private final Supplier<List<StreamStatus>> streams;
  private final SnapshotStore store;

  public ClientStatusService(Supplier<List<StreamStatus>> streams, SnapshotStore store) {
    this.streams = requireNonNull(streams, "streams");
    this.store = requireNonNull(store, "store");
  }

  @Override
  public void fetchClientStatus(
      ClientStatusRequest request, StreamObserver<ClientStatusResponse> responses) {
    Optional<String> invalid = invalid(request);
    if (invalid.isPresent()) {
      responses.onError(Status.INVALID_ARGUMENT.withDescription(invalid.get()).asException());
      return;
    }
    responses.onNext(answer(request));
    responses.onCompleted();
  }

  @Override
  public StreamObserver<ClientStatusRequest> streamClientStatus(
      StreamObserver<ClientStatusResponse> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ClientStatusRequest request) {
        Optional<String> invalid = invalid(request);
        if (invalid.isPresent()) {
          responses.onError(Status.INVALID_ARGUMENT.withDescription(invalid.get()).asException());
          return;
        }
        responses.onNext(answer(request));
      }

      @Override
      public void onError(Throwable t) {
        // the caller went away: nothing is held for it
      }

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  /** What this service cannot match on, said rather than ignored. */
  private static Optional<String> invalid(ClientStatusRequest request) {
    for (NodeMatcher matcher : request.getNodeMatchersList()) {
      if (matcher.getNodeMetadatasCount() > 0) {
        return Optional.of("node_matchers[].node_metadatas: not supported (expected: node_id)");
      }
      if (matcher.hasNodeId()
          && matcher.getNodeId().getMatchPatternCase() != StringMatcher.MatchPatternCase.EXACT) {
        return Optional.of(
            "node_matchers[].node_id: "
                + matcher.getNodeId().getMatchPatternCase()
                + " (expected: exact)");
      }
    }
    return Optional.empty();
  }

  private ClientStatusResponse answer(ClientStatusRequest request) {
    Set<String> wanted = new TreeSet<>();
    request.getNodeMatchersList().stream()
        .filter(NodeMatcher::hasNodeId)
        .forEach(m -> wanted.add(m.getNodeId().getExact()));
    ClientStatusResponse.Builder response = ClientStatusResponse.newBuilder();
    for (StreamStatus stream : streams.get()) {
      if (wanted.isEmpty() || wanted.contains(stream.nodeId())) {
        response.addConfig(
            clientConfig(stream, store.get(stream.group()), !request.getExcludeResourceContents()));
      }
    }
    return response.build();
  }

  /** One stream's config. Pure. */
  static ClientConfig clientConfig(
      StreamStatus stream, Optional<GroupSnapshot> snapshot, boolean contents) {
    ClientConfig.Builder config =
        ClientConfig.newBuilder()
            .setNode(Node.newBuilder().setId(stream.nodeId()))
            .setClientScope("");
    for (String typeUrl : TypeUrls.ALL) {
      for (TypeStatus type : stream.types()) {
        if (type.typeUrl().equals(typeUrl)) {
          config.addAllGenericXdsConfigs(
              typeConfigs(type, snapshot.map(s -> s.type(typeUrl)), contents));
        }
      }
    }
    return config.build();
  }

  private static List<ClientConfig.GenericXdsConfig> typeConfigs(
      TypeStatus type, Optional<TypeResources> current, boolean contents) {
    SyncState state = SyncState.of(type, current.map(TypeResources::version).orElse(null));
    Set<String> names = new TreeSet<>(type.names());
    current.ifPresent(c -> ProxyConfig.held(type, c).forEach(r -> names.add(r.name())));
    List<ClientConfig.GenericXdsConfig> configs = new ArrayList<>();
    for (String name : names) {
      VersionedResource resource = current.map(c -> c.resources().get(name)).orElse(null);
      ClientConfig.GenericXdsConfig.Builder config =
          ClientConfig.GenericXdsConfig.newBuilder().setTypeUrl(type.typeUrl()).setName(name);
      if (resource == null) {
        config
            .setConfigStatus(ConfigStatus.NOT_SENT)
            .setClientStatus(ClientResourceStatus.DOES_NOT_EXIST);
        configs.add(config.build());
        continue;
      }
      boolean rejected = state == SyncState.NACKED && type.rejectedNames().contains(name);
      switch (state) {
        case SYNCED -> {
          config
              .setConfigStatus(ConfigStatus.SYNCED)
              .setClientStatus(ClientResourceStatus.ACKED)
              .setVersionInfo(type.syncedVersion());
          at(config, type.ackedAt());
          if (contents) {
            config.setXdsConfig(shown(type.typeUrl(), resource));
          }
        }
        case NOT_SENT ->
            config
                .setConfigStatus(ConfigStatus.NOT_SENT)
                .setClientStatus(ClientResourceStatus.REQUESTED);
        case STALE, NACKED -> {
          config
              .setConfigStatus(rejected ? ConfigStatus.ERROR : ConfigStatus.STALE)
              .setClientStatus(
                  rejected
                      ? ClientResourceStatus.NACKED
                      : type.ackedVersion() != null
                          ? ClientResourceStatus.ACKED
                          : ClientResourceStatus.REQUESTED);
          if (type.ackedVersion() != null) {
            config.setVersionInfo(type.ackedVersion());
          }
          at(config, type.ackedAt() != null ? type.ackedAt() : type.sentAt());
        }
      }
      if (rejected) {
        UpdateFailureState.Builder failure =
            UpdateFailureState.newBuilder()
                .setDetails(ErrorDetails.cut(type.nackDetail()))
                .setVersionInfo(type.nackedVersion());
        if (type.nackedAt() != null) {
          failure.setLastUpdateAttempt(timestamp(type.nackedAt()));
        }
        config.setErrorState(failure);
      }
      configs.add(config.build());
    }
    return configs;
  }

  /**
   * A Secret as its name only, other resources without the fields Envoy marks sensitive: CSDS
   * answers whoever holds the admin token, never with keys or credentials.
   */
  private static Any shown(String typeUrl, VersionedResource resource) {
    if (typeUrl.equals(TypeUrls.SECRET)) {
      return Any.pack(Secret.newBuilder().setName(resource.name()).build());
    }
    return SensitiveFields.redacted(resource.resource());
  }

  private static void at(ClientConfig.GenericXdsConfig.Builder config, @Nullable Instant at) {
    if (at != null) {
      config.setLastUpdated(timestamp(at));
    }
  }

  private static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}
