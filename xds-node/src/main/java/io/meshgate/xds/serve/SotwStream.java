package io.meshgate.xds.serve;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One state-of-the-world ADS stream. Per type: the names asked for, the response awaiting its
 * ACK/NACK (the next push waits for it), and the version the proxy NACKed (never sent again: it
 * gets the next new version). All methods are synchronized: gRPC's request callbacks and the
 * pipeline's change notices may come from different threads, and a StreamObserver is not
 * thread-safe.
 */
final class SotwStream implements StreamObserver<DiscoveryRequest>, Streams.Stream {
  private static final Logger log = LoggerFactory.getLogger(SotwStream.class);

  /** Per type URL. */
  private static final class TypeState extends TypeProgress {
    Set<String> names = Set.of();
    String sentNonce;
    Set<String> sentNames = Set.of();
  }

  private final StreamObserver<DiscoveryResponse> responses;
  private final SnapshotStore store;
  private final StreamPeer peer;
  private final Map<String, TypeState> types = new TreeMap<>();
  private long nonces;

  SotwStream(
      StreamObserver<DiscoveryResponse> responses,
      SnapshotStore store,
      Streams streams,
      Authorizer authorizer,
      PeerIdentity identity) {
    this.responses = responses;
    this.store = store;
    this.peer = new StreamPeer(streams, authorizer, identity, false);
  }

  @Override
  public synchronized void onNext(DiscoveryRequest request) {
    if (!peer.admit(request.getNode(), this, responses)) {
      return;
    }
    TypeState state = types.computeIfAbsent(request.getTypeUrl(), t -> new TypeState());
    String nonce = request.getResponseNonce();
    log.debug(
        "stream {} request {} names={} version={} nonce={} (pending {}){}",
        peer.id(),
        shortType(request.getTypeUrl()),
        request.getResourceNamesList(),
        request.getVersionInfo(),
        nonce,
        state.pendingNonce,
        request.hasErrorDetail() ? " NACK" : "");
    if (!nonce.isEmpty() && !nonce.equals(state.sentNonce)) {
      return; // answers an older response; the proxy will answer the latest one too
    }
    if (!nonce.isEmpty() && nonce.equals(state.pendingNonce)) {
      // The answer to the pending response: an ACK or a NACK. A later request with the same
      // nonce is a subscription change, handled below.
      state.pendingNonce = null;
      if (request.hasErrorDetail()) {
        state.nackedVersion = state.sentVersion;
        state.nackDetail = request.getErrorDetail().getMessage();
        peer.rejected(request.getTypeUrl(), state.sentVersion, state.nackDetail);
      } else {
        state.ackedVersion = request.getVersionInfo();
        state.ackedRevision = state.sentRevision;
        state.syncedVersion = state.sentVersion;
      }
    }
    Set<String> names = Set.copyOf(request.getResourceNamesList());
    boolean namesChanged = !state.subscribed || !names.equals(state.names);
    state.subscribed = true;
    state.names = names;
    send(request.getTypeUrl(), state, namesChanged || state.dirty);
  }

  @Override
  public synchronized void groupChanged() {
    types.forEach((typeUrl, state) -> send(typeUrl, state, false));
  }

  private void send(String typeUrl, TypeState state, boolean force) {
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
    boolean sameAsSent =
        type.version().equals(state.sentVersion) && state.names.equals(state.sentNames);
    if (sameAsSent && !force) {
      state.dirty = false;
      return;
    }
    if (type.version().equals(state.nackedVersion) && state.names.equals(state.sentNames)) {
      state.dirty = false;
      return;
    }
    List<VersionedResource> selected =
        type.select(wildcard(typeUrl, state.names) ? Set.of() : state.names);
    if (selected.isEmpty() && state.names.isEmpty() && !wildcard(typeUrl, state.names)) {
      return;
    }
    DiscoveryResponse.Builder response =
        DiscoveryResponse.newBuilder()
            .setTypeUrl(typeUrl)
            .setVersionInfo(type.version())
            .setNonce(Long.toString(++nonces));
    selected.forEach(r -> response.addResources(r.resource()));
    state.sentVersion = type.version();
    state.sentRevision = snapshot.revision();
    state.sentNames = state.names;
    state.sentNonce = response.getNonce();
    state.pendingNonce = response.getNonce();
    state.dirty = false;
    state.responses++;
    log.debug(
        "stream {} response {} version={} nonce={} resources={}",
        peer.id(),
        shortType(typeUrl),
        type.version(),
        response.getNonce(),
        response.getResourcesCount());
    responses.onNext(response.build());
  }

  private static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }

  private static boolean wildcard(String typeUrl, Set<String> names) {
    return (names.isEmpty() || names.contains("*")) && TypeUrls.allowsWildcard(typeUrl);
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
