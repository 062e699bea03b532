package io.meshgate.xds.serve;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
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

/**
 * One delta (incremental) ADS stream. Per type it knows which version of each resource the proxy
 * holds — starting from the request's {@code initial_resource_versions}, so a proxy that fails over
 * from another replica with identical versions gets nothing — and sends only what differs, plus the
 * names removed. The next push waits for the previous one's ACK or NACK; a NACKed set is not sent
 * again.
 */
final class DeltaStream implements StreamObserver<DeltaDiscoveryRequest>, Streams.Stream {

  private static final class TypeState extends TypeProgress {
    boolean wildcard;
    final Set<String> names = new HashSet<>();

    /** What the proxy holds: name → version. */
    final Map<String, String> known = new HashMap<>();

    /** What the pending response would add to known (null version: removed). */
    Map<String, String> pendingChanges = Map.of();

    String pendingTypeVersion;
  }

  private final StreamObserver<DeltaDiscoveryResponse> responses;
  private final SnapshotStore store;
  private final StreamPeer peer;
  private final Map<String, TypeState> types = new TreeMap<>();
  private long nonces;

  DeltaStream(
      StreamObserver<DeltaDiscoveryResponse> responses,
      SnapshotStore store,
      Streams streams,
      Authorizer authorizer,
      PeerIdentity identity) {
    this.responses = responses;
    this.store = store;
    this.peer = new StreamPeer(streams, authorizer, identity, true);
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
      state.wildcard =
          request.getResourceNamesSubscribeList().contains("*")
              || (TypeUrls.allowsWildcard(typeUrl)
                  && request.getResourceNamesSubscribeList().isEmpty());
    }
    String nonce = request.getResponseNonce();
    if (!nonce.isEmpty() && nonce.equals(state.pendingNonce)) {
      if (request.hasErrorDetail()) {
        state.nackedVersion = state.pendingTypeVersion;
        state.nackDetail = request.getErrorDetail().getMessage();
        peer.rejected(typeUrl, state.pendingTypeVersion, state.nackDetail);
      } else {
        for (Map.Entry<String, String> change : state.pendingChanges.entrySet()) {
          if (change.getValue() == null) {
            state.known.remove(change.getKey());
          } else {
            state.known.put(change.getKey(), change.getValue());
          }
        }
        state.ackedVersion = state.pendingTypeVersion;
        state.ackedRevision = state.sentRevision;
        state.syncedVersion = state.pendingTypeVersion;
      }
      state.pendingNonce = null;
      state.pendingChanges = Map.of();
    }
    state.subscribed = true;
    for (String name : request.getResourceNamesSubscribeList()) {
      if (!name.equals("*")) {
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
    types.forEach(this::send);
  }

  private void send(String typeUrl, TypeState state) {
    if (peer.closed() || !state.subscribed || !peer.mayReceive(typeUrl)) {
      return;
    }
    if (state.pendingNonce != null) {
      state.dirty = true;
      return;
    }
    GroupSnapshot snapshot = store.get(peer.group()).orElse(null);
    if (snapshot == null) {
      return;
    }
    TypeResources type = snapshot.type(typeUrl);
    if (type.version().equals(state.nackedVersion)) {
      state.dirty = false;
      return;
    }
    List<Resource> updated = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    Map<String, String> changes = new HashMap<>();
    for (VersionedResource resource : type.select(state.wildcard ? Set.of() : state.names)) {
      if (!state.wildcard && state.names.isEmpty()) {
        break;
      }
      if (!resource.version().equals(state.known.get(resource.name()))) {
        updated.add(
            Resource.newBuilder()
                .setName(resource.name())
                .setVersion(resource.version())
                .setResource(resource.resource())
                .build());
        changes.put(resource.name(), resource.version());
      }
    }
    for (String name : state.known.keySet()) {
      boolean wanted = state.wildcard || state.names.contains(name);
      if (!type.resources().containsKey(name) && wanted) {
        removed.add(name);
        changes.put(name, null);
      }
    }
    state.dirty = false;
    if (updated.isEmpty() && removed.isEmpty()) {
      // Nothing this proxy holds changed: it is in sync with this version too.
      state.syncedVersion = type.version();
      return;
    }
    removed.sort(null);
    DeltaDiscoveryResponse response =
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(typeUrl)
            .setSystemVersionInfo(type.version())
            .setNonce(Long.toString(++nonces))
            .addAllResources(updated)
            .addAllRemovedResources(removed)
            .build();
    state.pendingNonce = response.getNonce();
    state.pendingTypeVersion = type.version();
    state.pendingChanges = changes;
    state.sentVersion = type.version();
    state.sentRevision = snapshot.revision();
    state.responses++;
    responses.onNext(response);
  }

  @Override
  public synchronized void onError(Throwable t) {
    peer.close(this);
  }

  @Override
  public synchronized void end(io.grpc.Status status) {
    peer.end(this, responses, status);
  }

  @Override
  public synchronized void onCompleted() {
    peer.close(this);
    responses.onCompleted();
  }

  @Override
  public synchronized StreamStatus status() {
    return peer.status(types);
  }
}
