package io.meshgate.xds.serve;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One delta (incremental) ADS stream. Per type it knows which version of each resource the proxy
 * holds — starting from the request's {@code initial_resource_versions}, so a proxy that fails over
 * from another replica with identical versions gets nothing — and sends only what differs, plus the
 * names removed. The next push waits for the previous one's ACK or NACK. While the version the
 * proxy NACKed is current, the resources it rejected are held back and everything else it asks for
 * is sent.
 */
final class DeltaStream implements StreamObserver<DeltaDiscoveryRequest>, Streams.Stream {

  private static final class TypeState extends TypeProgress {
    /** Every resource of the type asked for (listeners and clusters only). */
    boolean wildcard;

    final Set<String> names = new HashSet<>();

    /** What the proxy holds: name → version. */
    final Map<String, String> known = new HashMap<>();

    /** What the pending response would add to known (null version: removed). */
    Map<String, @Nullable String> pendingChanges = Map.of();
  }

  private final ServerCallStreamObserver<DeltaDiscoveryResponse> responses;
  private final SnapshotStore store;
  private final StreamPeer peer;
  private final Map<String, TypeState> types = new TreeMap<>();
  private long nonces;

  DeltaStream(
      ServerCallStreamObserver<DeltaDiscoveryResponse> responses,
      SnapshotStore store,
      Streams streams,
      Authorizer authorizer,
      PeerIdentity identity,
      Rejections rejections) {
    this.responses = responses;
    this.store = store;
    this.peer = StreamPeer.delta(streams, authorizer, identity, rejections);
  }

  @Override
  public synchronized void onNext(DeltaDiscoveryRequest request) {
    if (!peer.admit(request.getNode(), this, responses)) {
      return;
    }
    String typeUrl = request.getTypeUrl();
    TypeState state = types.get(typeUrl);
    if (state == null) {
      state = new TypeState();
      types.put(typeUrl, state);
      state.known.putAll(request.getInitialResourceVersionsMap());
      // The legacy wildcard: a first request that names nothing asks for all (where "all"
      // exists).
      state.wildcard =
          TypeUrls.allowsWildcard(typeUrl) && request.getResourceNamesSubscribeList().isEmpty();
      if (!state.known.isEmpty()) {
        // It holds config from an earlier stream: what it rejected there, it rejects still. A
        // proxy that starts empty (a new process) may accept it, and is sent it.
        peer.rejectedBefore(typeUrl).ifPresent(state::remember);
      }
    }
    String nonce = request.getResponseNonce();
    if (!nonce.isEmpty() && nonce.equals(state.pendingNonce)) {
      if (request.hasErrorDetail()) {
        peer.rejected(typeUrl, state.nacked(request.getErrorDetail().getMessage()));
      } else {
        for (Map.Entry<String, String> change : state.pendingChanges.entrySet()) {
          if (change.getValue() == null) {
            state.known.remove(change.getKey());
          } else {
            state.known.put(change.getKey(), change.getValue());
          }
        }
        if (state.acked()) {
          peer.accepted(typeUrl, state.sentVersion);
        }
      }
      state.pendingChanges = Map.of();
    }
    state.subscribed = true;
    for (String name : request.getResourceNamesSubscribeList()) {
      if (name.equals("*")) {
        state.wildcard = TypeUrls.allowsWildcard(typeUrl);
      } else {
        state.names.add(name);
      }
    }
    for (String name : request.getResourceNamesUnsubscribeList()) {
      if (name.equals("*")) {
        state.wildcard = false;
      }
      state.names.remove(name);
      state.known.remove(name);
    }
    send(typeUrl, state);
  }

  @Override
  public synchronized void groupChanged() {
    sendAll();
  }

  /** gRPC's ready handler: the proxy reads again; it gets the newest of what it missed. */
  synchronized void resume() {
    sendAll();
  }

  /** gRPC's cancel handler: the proxy went away; the stream leaves the registry now. */
  synchronized void cancelled() {
    peer.close(this);
  }

  private void sendAll() {
    for (String typeUrl : List.copyOf(types.keySet())) {
      send(typeUrl, types.get(typeUrl));
    }
  }

  private void send(String typeUrl, TypeState state) {
    if (peer.closed() || !state.subscribed || !peer.mayReceive(typeUrl)) {
      return;
    }
    if (state.pendingNonce != null) {
      return; // its ACK or NACK sends whatever changed meanwhile
    }
    if (!responses.isReady()) {
      return; // the proxy does not read: resume() sends the newest state once it does
    }
    GroupSnapshot snapshot = store.get(peer.group()).orElse(null);
    if (snapshot == null) {
      return;
    }
    TypeResources type = snapshot.type(typeUrl);
    String version = type.version();
    List<Resource> updated = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    Map<String, String> changes = new HashMap<>();
    boolean complete = true;
    List<VersionedResource> wanted =
        state.wildcard
            ? type.select(Set.of())
            : state.names.isEmpty() ? List.of() : type.select(state.names);
    for (VersionedResource resource : wanted) {
      if (resource.version().equals(state.known.get(resource.name()))) {
        continue;
      }
      if (state.rejected(version, resource.name())) {
        complete = false;
        continue;
      }
      updated.add(
          Resource.newBuilder()
              .setName(resource.name())
              .setVersion(resource.version())
              .setResource(resource.resource())
              .build());
      changes.put(resource.name(), resource.version());
    }
    for (String name : state.known.keySet()) {
      boolean asked = state.wildcard || state.names.contains(name);
      if (asked && !type.resources().containsKey(name)) {
        if (state.rejected(version, name)) {
          complete = false;
          continue;
        }
        removed.add(name);
        changes.put(name, null);
      }
    }
    if (updated.isEmpty() && removed.isEmpty()) {
      if (complete) {
        // Nothing this proxy holds changed: it is in sync with this version too.
        state.syncedVersion = version;
      }
      return;
    }
    removed.sort(null);
    DeltaDiscoveryResponse response =
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(typeUrl)
            .setSystemVersionInfo(version)
            .setNonce(Long.toString(++nonces))
            .addAllResources(updated)
            .addAllRemovedResources(removed)
            .build();
    state.sent(version, snapshot.revision(), response.getNonce(), changes.keySet(), complete);
    state.pendingChanges = changes;
    peer.deliver(responses, response, this);
  }

  @Override
  public synchronized void onError(Throwable t) {
    peer.close(this);
  }

  @Override
  public synchronized void end(Status status) {
    peer.end(this, responses, status);
  }

  @Override
  public synchronized void onCompleted() {
    peer.close(this);
    responses.onCompleted();
  }

  @Override
  public long id() {
    return peer.id();
  }

  @Override
  public synchronized StreamStatus status() {
    return peer.status(types);
  }
}
