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
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One delta (incremental) ADS stream. Per type it knows which version of each resource the proxy
 * holds — starting from the request's {@code initial_resource_versions}, so a proxy that fails over
 * from another replica with identical versions gets nothing — and sends only what differs, plus the
 * names removed. The next push waits for the previous one's ACK or NACK. While the version the
 * proxy NACKed is current, the resources it rejected are held back and everything else it asks for
 * is sent.
 *
 * <p>A push compares only what changed: once the proxy holds, of every name it asks for, what a
 * type version has (its {@code basis}), the next push asks the store which names changed since that
 * version and compares those alone. Without a basis (a new or changed subscription, a reconnect,
 * rejected content held back) or when the store no longer holds the steps from it, the push
 * compares everything asked for.
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

    /**
     * A type version whose content {@link #known} matches for every name asked for (null: none
     * known). Moves only on an ACK of a complete response and when a version needs nothing sent.
     */
    @Nullable String basis;

    /** The basis once the pending response is ACKed (null: none, as when it was incomplete). */
    @Nullable String pendingBasis;

    @Override
    boolean wildcard() {
      return wildcard;
    }

    @Override
    Set<String> names() {
      return names;
    }

    /** The subscription changed: what the proxy holds is compared in full once more. */
    void resubscribed() {
      basis = null;
      pendingBasis = null;
    }
  }

  private final ServerCallStreamObserver<DeltaDiscoveryResponse> responses;
  private final SnapshotStore store;
  private final StreamPeer peer;
  private final Map<String, TypeState> types = new TreeMap<>();
  private long nonces;

  /** How many resource names this stream's pushes compared, for tests of the fast path. */
  private long namesCompared;

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
      peer.subscribed(typeUrl, store.revision());
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
        peer.rejected(
            typeUrl, nonce, state.nacked(request.getErrorDetail().getMessage(), peer.now()));
      } else {
        for (Map.Entry<String, String> change : state.pendingChanges.entrySet()) {
          if (change.getValue() == null) {
            state.known.remove(change.getKey());
          } else {
            state.known.put(change.getKey(), change.getValue());
          }
        }
        state.basis = state.pendingBasis;
        peer.ackReceived(typeUrl);
        if (state.acked(peer.now())) {
          peer.accepted(typeUrl, state.sentVersion);
        }
      }
      state.pendingChanges = Map.of();
      state.pendingBasis = null;
    }
    state.subscribed = true;
    if (request.getResourceNamesSubscribeCount() > 0
        || request.getResourceNamesUnsubscribeCount() > 0) {
      state.resubscribed();
    }
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
    checkSynced();
  }

  @Override
  public synchronized void groupChanged() {
    sendAll();
    // A delta stream may need nothing sent for a new version: it holds it already.
    checkSynced();
  }

  private void checkSynced() {
    String group = peer.group();
    if (group != null) {
      peer.checkSynced(store, store.served(group).orElse(null), types);
    }
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
    GroupSnapshot snapshot = store.served(peer.group()).orElse(null);
    if (snapshot == null) {
      return;
    }
    TypeResources type = snapshot.type(typeUrl);
    String version = type.version();
    if (version.equals(state.basis)) {
      // It holds this very version of all it asks for (as after the ACK of the last push).
      state.syncedVersion = version;
      return;
    }
    List<Resource> updated = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    Map<String, @Nullable String> changes = new HashMap<>();
    boolean complete;
    Optional<SortedSet<String>> changedSinceBasis =
        state.basis == null
            ? Optional.empty()
            : store.changedBetween(peer.group(), typeUrl, state.basis, version);
    if (changedSinceBasis.isPresent()) {
      // Every other name it asks for is as it holds it: compare the changed ones alone.
      complete = compareChanged(state, type, changedSinceBasis.get(), updated, removed, changes);
    } else {
      complete = compareAll(state, type, updated, removed, changes);
    }
    if (updated.isEmpty() && removed.isEmpty()) {
      if (complete) {
        // Nothing this proxy holds changed: it is in sync with this version too.
        state.syncedVersion = version;
        state.basis = version;
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
    long queued = SotwStream.queuedNanos(store, snapshot, state, version);
    state.sent(
        version, snapshot.revision(), response.getNonce(), changes.keySet(), complete, peer.now());
    state.pendingChanges = changes;
    state.pendingBasis = complete ? version : null;
    if (peer.deliver(responses, response, this, typeUrl, queued)) {
      peer.sent(typeUrl, snapshot.revision());
    }
  }

  /**
   * Adds to {@code updated}, {@code removed} and {@code changes} what the proxy must get of every
   * name it asks for. Returns whether nothing was held back (rejected content).
   */
  private boolean compareAll(
      TypeState state,
      TypeResources type,
      List<Resource> updated,
      List<String> removed,
      Map<String, @Nullable String> changes) {
    boolean complete = true;
    List<VersionedResource> wanted =
        state.wildcard
            ? type.select(Set.of())
            : state.names.isEmpty() ? List.of() : type.select(state.names);
    namesCompared += wanted.size() + state.known.size();
    for (VersionedResource resource : wanted) {
      complete &= update(state, type.version(), resource, updated, changes);
    }
    for (String name : state.known.keySet()) {
      boolean asked = state.wildcard || state.names.contains(name);
      if (asked && !type.resources().containsKey(name)) {
        complete &= remove(state, type.version(), name, removed, changes);
      }
    }
    return complete;
  }

  /** As {@link #compareAll}, for a proxy that holds all but {@code changed} as they are now. */
  private boolean compareChanged(
      TypeState state,
      TypeResources type,
      SortedSet<String> changed,
      List<Resource> updated,
      List<String> removed,
      Map<String, @Nullable String> changes) {
    boolean complete = true;
    namesCompared += changed.size();
    for (String name : changed) {
      if (!state.wildcard && !state.names.contains(name)) {
        continue;
      }
      VersionedResource resource = type.resources().get(name);
      if (resource != null) {
        complete &= update(state, type.version(), resource, updated, changes);
      } else if (state.known.containsKey(name)) {
        complete &= remove(state, type.version(), name, removed, changes);
      }
    }
    return complete;
  }

  /** Adds {@code resource} unless the proxy holds it or rejected it; false when rejected. */
  private static boolean update(
      TypeState state,
      String version,
      VersionedResource resource,
      List<Resource> updated,
      Map<String, @Nullable String> changes) {
    if (resource.version().equals(state.known.get(resource.name()))) {
      return true;
    }
    if (state.rejected(version, resource.name())) {
      return false;
    }
    updated.add(
        Resource.newBuilder()
            .setName(resource.name())
            .setVersion(resource.version())
            .setResource(resource.resource())
            .build());
    changes.put(resource.name(), resource.version());
    return true;
  }

  /** Names {@code name} as removed unless the proxy rejected its removal; false when rejected. */
  private static boolean remove(
      TypeState state,
      String version,
      String name,
      List<String> removed,
      Map<String, @Nullable String> changes) {
    if (state.rejected(version, name)) {
      return false;
    }
    removed.add(name);
    changes.put(name, null);
    return true;
  }

  /** How many resource names this stream's pushes compared so far. */
  synchronized long namesCompared() {
    return namesCompared;
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
