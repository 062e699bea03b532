package io.meshgate.xds.serve;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One state-of-the-world ADS stream. Per type: the names asked for, the response awaiting its
 * ACK/NACK (the next push waits for it), and what the proxy rejected (never sent again while it is
 * current). Listeners and clusters are answered with everything asked for; routes, endpoints and
 * secrets with what is new to the proxy: the resources of a new version, or newly asked names at
 * the same version. All methods are synchronized: gRPC's callbacks and the pipeline's change
 * notices come from different threads, and a StreamObserver is not thread-safe.
 */
final class SotwStream implements StreamObserver<DiscoveryRequest>, Streams.Stream {
  private static final Logger log = LoggerFactory.getLogger(SotwStream.class);

  /** Per type URL. */
  private static final class TypeState extends TypeProgress {
    /** The names asked for, "*" left out. */
    Set<String> names = Set.of();

    /** Every resource of the type asked for (listeners and clusters only). */
    boolean wildcard;

    /**
     * A request for this type named resources: from then on an empty list means none, not all (the
     * xDS protocol's rule for the legacy wildcard).
     */
    boolean named;

    @Nullable String sentNonce;

    /**
     * Listeners and clusters: the names the last response answered. Other types: the names answered
     * at {@code sentVersion}.
     */
    Set<String> answered = Set.of();

    boolean answeredWildcard;

    @Override
    boolean wildcard() {
      return wildcard;
    }

    @Override
    Set<String> names() {
      return names;
    }
  }

  private final ServerCallStreamObserver<DiscoveryResponse> responses;
  private final SnapshotStore store;
  private final StreamPeer peer;
  private final Map<String, TypeState> types = new TreeMap<>();
  private long nonces;

  SotwStream(
      ServerCallStreamObserver<DiscoveryResponse> responses,
      SnapshotStore store,
      Streams streams,
      Authorizer authorizer,
      PeerIdentity identity,
      Rejections rejections) {
    this.responses = responses;
    this.store = store;
    this.peer = StreamPeer.sotw(streams, authorizer, identity, rejections);
  }

  @Override
  public synchronized void onNext(DiscoveryRequest request) {
    if (!peer.admit(request.getNode(), this, responses)) {
      return;
    }
    String typeUrl = request.getTypeUrl();
    TypeState state = types.get(typeUrl);
    if (state == null) {
      state = new TypeState();
      types.put(typeUrl, state);
      peer.subscribed(typeUrl, store.revision());
      if (!request.getVersionInfo().isEmpty()) {
        // It holds config from an earlier stream: what it rejected there, it rejects still. A
        // proxy that starts empty (a new process) may accept it, and is sent it.
        peer.rejectedBefore(typeUrl).ifPresent(state::remember);
      }
    }
    String nonce = request.getResponseNonce();
    log.atDebug()
        .addKeyValue("node", peer.nodeId())
        .addKeyValue("group", peer.group())
        .addKeyValue("typeUrl", typeUrl)
        .addKeyValue("version", request.getVersionInfo())
        .addKeyValue("nonce", nonce)
        .addKeyValue("stream", peer.id())
        .log(
            "stream {} request {} names={} version={} nonce={} (pending {}){}",
            peer.id(),
            shortType(typeUrl),
            request.getResourceNamesList(),
            request.getVersionInfo(),
            nonce,
            state.pendingNonce,
            request.hasErrorDetail() ? " NACK" : "");
    if (!nonce.isEmpty() && state.sentNonce != null && !nonce.equals(state.sentNonce)) {
      return; // answers an older response; the proxy will answer the latest one too
    }
    if (!nonce.isEmpty() && nonce.equals(state.pendingNonce)) {
      // The answer to the pending response: an ACK or a NACK. A later request with the same
      // nonce is a subscription change, handled below.
      if (request.hasErrorDetail()) {
        peer.rejected(
            typeUrl, nonce, state.nacked(request.getErrorDetail().getMessage(), peer.now()));
      } else {
        peer.ackReceived(typeUrl);
        if (state.acked(peer.now())) {
          peer.accepted(typeUrl, state.sentVersion);
        }
      }
    }
    subscribe(typeUrl, state, request.getResourceNamesList());
    send(typeUrl, state);
    checkSynced();
  }

  private static void subscribe(String typeUrl, TypeState state, List<String> requested) {
    Set<String> names = new HashSet<>(requested);
    boolean star = names.remove("*");
    state.named |= !requested.isEmpty();
    state.wildcard = TypeUrls.allowsWildcard(typeUrl) && (star || !state.named);
    state.names = Set.copyOf(names);
    if (!TypeUrls.allowsWildcard(typeUrl)) {
      // A name dropped and asked for again is answered again.
      Set<String> kept = new HashSet<>(state.answered);
      kept.retainAll(state.names);
      state.answered = Set.copyOf(kept);
    }
    state.subscribed = true;
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
    boolean sameVersion = version.equals(state.sentVersion);
    List<VersionedResource> selected;
    boolean complete = true;
    Set<String> answered;
    if (TypeUrls.allowsWildcard(typeUrl)) {
      // Listeners and clusters: a response holds everything asked for; what it leaves out, the
      // proxy deletes.
      if (sameVersion
          && state.wildcard == state.answeredWildcard
          && state.names.equals(state.answered)) {
        return;
      }
      selected =
          state.wildcard
              ? type.select(Set.of())
              : state.names.isEmpty() ? List.of() : type.select(state.names);
      if (!selected.isEmpty()
          && selected.stream().allMatch(r -> state.rejected(version, r.name()))) {
        return; // nothing in it the proxy has not rejected already
      }
      answered = state.names;
    } else {
      // Routes, endpoints, secrets: what the proxy does not hold of this version, less what it
      // rejected of it. An empty list asks for nothing and is not answered.
      if (sameVersion && state.answered.size() == state.names.size()) {
        return; // answered is a subset of names: all it asks for was answered at this version
      }
      Set<String> wanted = new TreeSet<>(state.names);
      if (sameVersion) {
        wanted.removeAll(state.answered);
      }
      for (String name : state.names) {
        if (state.rejected(version, name)) {
          wanted.remove(name);
          complete = false;
        }
      }
      if (wanted.isEmpty()) {
        return;
      }
      selected = type.select(wanted);
      Set<String> all = new HashSet<>(wanted);
      if (sameVersion) {
        all.addAll(state.answered);
      }
      answered = Set.copyOf(all);
    }
    long queued = queuedNanos(store, snapshot, state, version);
    DiscoveryResponse.Builder response =
        DiscoveryResponse.newBuilder()
            .setTypeUrl(typeUrl)
            .setVersionInfo(version)
            .setNonce(Long.toString(++nonces));
    selected.forEach(r -> response.addResources(r.resource()));
    state.sent(
        version,
        snapshot.revision(),
        response.getNonce(),
        selected.stream().map(VersionedResource::name).toList(),
        complete,
        peer.now());
    state.sentNonce = response.getNonce();
    state.answered = answered;
    state.answeredWildcard = state.wildcard;
    log.atDebug()
        .addKeyValue("node", peer.nodeId())
        .addKeyValue("group", peer.group())
        .addKeyValue("typeUrl", typeUrl)
        .addKeyValue("version", version)
        .addKeyValue("nonce", response.getNonce())
        .addKeyValue("stream", peer.id())
        .log(
            "stream {} response {} version={} nonce={} resources={}",
            peer.id(),
            shortType(typeUrl),
            version,
            response.getNonce(),
            response.getResourcesCount());
    if (peer.deliver(responses, response.build(), this, typeUrl, queued)) {
      peer.sent(typeUrl, snapshot.revision());
    }
  }

  /**
   * For a push of a new version to a stream that was sent an earlier one: how long since the
   * snapshot holding it was published; -1 for a first answer or a changed subscription.
   */
  static long queuedNanos(
      SnapshotStore store, GroupSnapshot snapshot, TypeProgress state, String version) {
    if (state.sentVersion == null || version.equals(state.sentVersion)) {
      return -1;
    }
    long published = store.publishedAt(snapshot.group());
    return published < 0 ? -1 : Math.max(0, System.nanoTime() - published);
  }

  private static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
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
