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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
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
  private static final AtomicLong IDS = new AtomicLong();

  /** Per type URL. */
  private static final class TypeState {
    Set<String> names = Set.of();
    boolean subscribed;
    String sentVersion;
    String sentNonce;
    Set<String> sentNames = Set.of();
    String pendingNonce;
    String ackedVersion;
    String nackedVersion;
    String nackDetail;
    boolean dirty;
    int responses;
  }

  private final long id = IDS.incrementAndGet();
  private final StreamObserver<DiscoveryResponse> responses;
  private final SnapshotStore store;
  private final Streams streams;
  private final Authorizer authorizer;
  private final PeerIdentity peer;
  private final Map<String, TypeState> types = new TreeMap<>();
  private String group;
  private String nodeId = "";
  private String credential = "";
  private long nonces;
  private boolean closed;

  SotwStream(
      StreamObserver<DiscoveryResponse> responses,
      SnapshotStore store,
      Streams streams,
      Authorizer authorizer,
      PeerIdentity peer) {
    this.responses = responses;
    this.store = store;
    this.streams = streams;
    this.authorizer = authorizer;
    this.peer = peer;
  }

  @Override
  public synchronized void onNext(DiscoveryRequest request) {
    if (closed) {
      return;
    }
    if (group == null) {
      nodeId = request.getNode().getId();
      Authorizer.Decision decision =
          authorizer.decide(peer, nodeId, ProxyGroups.claimed(request.getNode()));
      if (decision instanceof Authorizer.Decision.Denied denied) {
        log.warn("stream {} refused: {}", id, denied.status().getDescription());
        closed = true;
        responses.onError(denied.status().asRuntimeException());
        return;
      }
      Authorizer.Decision.Allowed allowed = (Authorizer.Decision.Allowed) decision;
      group = allowed.anonymous() ? ProxyGroups.of(request.getNode()) : allowed.group();
      credential = allowed.credential();
      streams.add(group, this);
      log.info(
          "stream {} opened: node {} in group {} (state of the world, {})",
          id,
          nodeId,
          group,
          credential);
    }
    TypeState state = types.computeIfAbsent(request.getTypeUrl(), t -> new TypeState());
    String nonce = request.getResponseNonce();
    log.debug(
        "stream {} request {} names={} version={} nonce={} (pending {}){}",
        id,
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
        log.warn(
            "node {} ({}) rejected {} version {}: {}",
            nodeId,
            group,
            request.getTypeUrl(),
            state.sentVersion,
            state.nackDetail);
      } else {
        state.ackedVersion = request.getVersionInfo();
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
    if (closed || !state.subscribed) {
      return;
    }
    if (state.pendingNonce != null) {
      state.dirty = true;
      return;
    }
    GroupSnapshot snapshot = store.get(group).orElse(null);
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
    state.sentNames = state.names;
    state.sentNonce = response.getNonce();
    state.pendingNonce = response.getNonce();
    state.dirty = false;
    state.responses++;
    log.debug(
        "stream {} response {} version={} nonce={} resources={}",
        id,
        shortType(typeUrl),
        type.version(),
        response.getNonce(),
        response.getResourcesCount());
    responses.onNext(response.build());
  }

  private static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }

  /** Listeners and clusters: no names means all of them. Routes and endpoints are always named. */
  private static boolean wildcard(String typeUrl, Set<String> names) {
    return (names.isEmpty() || names.contains("*"))
        && (typeUrl.equals(TypeUrls.LISTENER) || typeUrl.equals(TypeUrls.CLUSTER));
  }

  @Override
  public synchronized void onError(Throwable t) {
    close();
  }

  @Override
  public synchronized void onCompleted() {
    close();
    responses.onCompleted();
  }

  private void close() {
    closed = true;
    if (group != null) {
      streams.remove(group, this);
      log.info("stream {} closed: node {} in group {}", id, nodeId, group);
    }
  }

  @Override
  public synchronized StreamStatus status() {
    List<TypeStatus> statuses = new ArrayList<>();
    types.forEach(
        (t, s) ->
            statuses.add(
                new TypeStatus(
                    t,
                    s.sentVersion,
                    s.pendingNonce,
                    s.ackedVersion,
                    s.nackedVersion,
                    s.nackDetail,
                    s.responses)));
    return new StreamStatus(id, nodeId, group, false, statuses);
  }
}
