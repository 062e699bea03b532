package io.meshgate.xds.serve;

import com.google.protobuf.MessageLite;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy at the other end of one ADS stream, state of the world or delta alike: admitted (or
 * refused) on its first request, registered under its group until the stream ends; what it rejected
 * is remembered past the stream. Not thread-safe: the owning stream's synchronized methods call it.
 */
final class StreamPeer {
  private static final Logger log = LoggerFactory.getLogger(StreamPeer.class);
  private static final AtomicLong IDS = new AtomicLong();

  /** The longest node id taken, in UTF-8 bytes: it is logged and written to etcd. */
  static final int MAX_NODE_ID_BYTES = 256;

  private final long id = IDS.incrementAndGet();
  private final Streams streams;
  private final Authorizer authorizer;
  private final PeerIdentity identity;
  private final Rejections rejections;
  private final Protocol protocol;
  // Read from the call's context while the stream is being created, on the call's thread.
  private final Optional<InetAddress> remote = remoteAddress();
  private String nodeId = "";
  private @Nullable String group;
  private boolean anonymous;
  private boolean secretsRefused;
  private boolean closed;

  /** The type URLs this stream asked for, as counted in the metrics' connected streams. */
  private final List<String> subscribed = new ArrayList<>(TypeUrls.ALL.size());

  /**
   * The etcd revision as of which the proxy holds everything its group's config gives it: at
   * admission, the revision of the latest build (it has nothing of earlier events to converge to);
   * then the revision of each snapshot it fully synced to.
   */
  private long syncedRevision = -1;

  private StreamPeer(
      Streams streams,
      Authorizer authorizer,
      PeerIdentity identity,
      Rejections rejections,
      Protocol protocol) {
    this.streams = streams;
    this.authorizer = authorizer;
    this.identity = identity;
    this.rejections = rejections;
    this.protocol = protocol;
  }

  private static Optional<InetAddress> remoteAddress() {
    SocketAddress address = ProxyAuthenticator.REMOTE.get();
    return address instanceof InetSocketAddress inet && inet.getAddress() != null
        ? Optional.of(inet.getAddress())
        : Optional.empty();
  }

  /** The two flavours of ADS a peer may speak. */
  private enum Protocol {
    SOTW("state of the world"),
    DELTA("delta");

    private final String description;

    Protocol(String description) {
      this.description = description;
    }
  }

  static StreamPeer sotw(
      Streams streams, Authorizer authorizer, PeerIdentity identity, Rejections rejections) {
    return new StreamPeer(streams, authorizer, identity, rejections, Protocol.SOTW);
  }

  static StreamPeer delta(
      Streams streams, Authorizer authorizer, PeerIdentity identity, Rejections rejections) {
    return new StreamPeer(streams, authorizer, identity, rejections, Protocol.DELTA);
  }

  /**
   * Whether the stream may go on with this request. The first request decides the group; a refusal
   * ends the stream with the authorizer's status, and every later request is ignored.
   */
  boolean admit(Node node, Streams.Stream stream, StreamObserver<?> responses) {
    if (closed) {
      return false;
    }
    if (group != null) {
      return true;
    }
    int idBytes = node.getId().getBytes(StandardCharsets.UTF_8).length;
    if (idBytes > MAX_NODE_ID_BYTES) {
      log.warn("stream {} refused: a node id of {} bytes", id, idBytes);
      streams.metrics().refused(ServeMetrics.Refusal.INVALID_NODE);
      closed = true;
      responses.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "node.id: "
                      + idBytes
                      + " bytes (expected: at most "
                      + MAX_NODE_ID_BYTES
                      + " bytes of UTF-8)")
              .asRuntimeException());
      return false;
    }
    nodeId = node.getId();
    Authorizer.Decision decision = authorizer.decide(identity, nodeId, ProxyGroups.claimed(node));
    if (decision instanceof Authorizer.Decision.Denied denied) {
      log.warn("stream {} refused: {}", id, denied.status().getDescription());
      streams.metrics().refused(ServeMetrics.Refusal.DENIED);
      closed = true;
      responses.onError(denied.status().asRuntimeException());
      return false;
    }
    Authorizer.Decision.Allowed allowed = (Authorizer.Decision.Allowed) decision;
    String admittedGroup = allowed.anonymous() ? ProxyGroups.of(node) : allowed.group();
    StreamAdmission.Outcome outcome =
        streams.open(admittedGroup, stream, allowed.validUntil(), allowed.kid());
    if (outcome != StreamAdmission.Outcome.ADMITTED) {
      Status refusal =
          outcome == StreamAdmission.Outcome.FULL
              ? Status.RESOURCE_EXHAUSTED.withDescription(
                  "this xDS replica serves as many streams as it may; retry with backoff, or"
                      + " another replica")
              : Status.UNAVAILABLE.withDescription(
                  "too many new streams on this replica; retry with backoff");
      log.debug("stream {} refused: {}", id, refusal.getDescription());
      streams
          .metrics()
          .refused(
              outcome == StreamAdmission.Outcome.FULL
                  ? ServeMetrics.Refusal.FULL
                  : ServeMetrics.Refusal.TOO_FAST);
      closed = true;
      responses.onError(refusal.asRuntimeException());
      return false;
    }
    anonymous = allowed.anonymous();
    group = admittedGroup;
    streams.events().opened(new StreamEvents.Opened(id, group, nodeId, anonymous, remote));
    log.atInfo()
        .addKeyValue("node", nodeId)
        .addKeyValue("group", group)
        .addKeyValue("stream", id)
        .log(
            "stream {} opened: node {} in group {} ({}, {})",
            id,
            nodeId,
            group,
            protocol.description,
            allowed.credential());
    return true;
  }

  /**
   * Whether this stream may be sent resources of {@code typeUrl}: anything but secrets, and secrets
   * only with a credential. The first refusal is logged.
   */
  boolean mayReceive(String typeUrl) {
    if (!anonymous || !typeUrl.equals(TypeUrls.SECRET)) {
      return true;
    }
    if (!secretsRefused) {
      secretsRefused = true;
      log.warn("stream {}: node {} asked for secrets without a credential; none sent", id, nodeId);
    }
    return false;
  }

  /**
   * Writes one response. A stream that fails on it (the proxy went away between the check and the
   * write, or the call is already closed) is closed here: the failure never reaches the caller,
   * which may be the pipeline pushing to a whole group.
   */
  <R extends MessageLite> boolean deliver(
      StreamObserver<R> responses,
      R response,
      Streams.Stream stream,
      String typeUrl,
      long queuedNanos) {
    try {
      responses.onNext(response);
      // The size is memoized by the message: gRPC's marshaller computed it already.
      streams.metrics().pushed(typeUrl, response.getSerializedSize(), queuedNanos);
      statusChanged();
      return true;
    } catch (RuntimeException e) {
      log.info("stream {} (node {}) failed on a send and is closed: {}", id, nodeId, e.toString());
      close(stream);
      return false;
    }
  }

  /** A response built from a snapshot of {@code revision} went out on this stream. */
  void sent(String typeUrl, long revision) {
    if (group != null) {
      streams.events().sent(id, group, typeUrl, revision);
    }
  }

  boolean closed() {
    return closed;
  }

  /** Marks the admitted group's ACK summary due (see {@link GroupStatuses}). */
  private void statusChanged() {
    if (group != null && !closed) {
      streams.changed(group);
    }
  }

  /** The admitted group; null before the first request. */
  @Nullable String group() {
    return group;
  }

  String nodeId() {
    return nodeId;
  }

  /** The stream ended, by either side: it gets no more changes. */
  void close(Streams.Stream stream) {
    if (closed) {
      return;
    }
    closed = true;
    boolean delta = protocol == Protocol.DELTA;
    subscribed.forEach(typeUrl -> streams.metrics().unsubscribed(typeUrl, delta));
    subscribed.clear();
    if (group != null) {
      streams.remove(group, stream);
      streams.events().closed(id);
      log.atInfo()
          .addKeyValue("node", nodeId)
          .addKeyValue("group", group)
          .addKeyValue("stream", id)
          .log("stream {} closed: node {} in group {}", id, nodeId, group);
    }
  }

  /** Ends an open stream from the server's side with this status; the proxy reconnects. */
  void end(Streams.Stream stream, StreamObserver<?> responses, Status status) {
    if (closed) {
      return;
    }
    close(stream);
    try {
      responses.onError(status.asRuntimeException());
    } catch (RuntimeException e) {
      log.debug("stream {} was already over when ended: {}", id, e.toString());
    }
  }

  /**
   * The admitted stream asked for {@code typeUrl} for the first time; it counts as connected for it
   * until it ends. Where the baseline of its convergence is set, on its first type.
   */
  void subscribed(String typeUrl, long revision) {
    if (subscribed.isEmpty()) {
      syncedRevision = revision;
    }
    subscribed.add(typeUrl);
    streams.metrics().subscribed(typeUrl, protocol == Protocol.DELTA);
  }

  /** The proxy ACKed a response of {@code typeUrl} (complete or not). */
  void ackReceived(String typeUrl) {
    streams.metrics().acked(typeUrl, group);
  }

  /**
   * Tells the metrics when the proxy newly holds everything of its group's current snapshot (see
   * {@link Synced}): the config events up to that snapshot's revision reached it now.
   */
  void checkSynced(
      SnapshotStore store,
      @Nullable GroupSnapshot snapshot,
      Map<String, ? extends TypeProgress> types) {
    // Called after every request and every change of the group, with the stream's lock held:
    // what the proxy holds may have changed, so its group's ACK summary is due again.
    statusChanged();
    if (closed || snapshot == null || snapshot.revision() <= syncedRevision) {
      return;
    }
    if (Synced.holdsAll(snapshot, types)) {
      long from = syncedRevision;
      syncedRevision = snapshot.revision();
      // Only the builds that changed what it holds: an event that left its group as it was did not
      // have to reach it.
      for (SnapshotStore.RevisionWindow window :
          store.changesBetween(snapshot.group(), from, syncedRevision)) {
        streams.metrics().converged(window.after(), window.upTo());
      }
    }
  }

  /**
   * The proxy NACKed the response {@code nonce}: counted, logged at WARN with the stream's fields
   * as key-value pairs (JSON logs show them as fields; the plain format shows the message only),
   * and remembered past this stream.
   */
  void rejected(String typeUrl, String nonce, Rejections.Rejection rejection) {
    streams.metrics().nacked(typeUrl, group);
    String detail = ErrorDetails.cut(rejection.detail());
    log.atWarn()
        .addKeyValue("node", nodeId)
        .addKeyValue("group", group)
        .addKeyValue("typeUrl", typeUrl)
        .addKeyValue("version", rejection.version())
        .addKeyValue("nonce", nonce)
        .addKeyValue("stream", id)
        .addKeyValue("errorDetail", detail)
        .log(
            "node {} ({}) rejected {} version {}: {}",
            nodeId,
            group,
            typeUrl,
            rejection.version(),
            detail);
    rejections.remember(group, nodeId, typeUrl, rejection);
  }

  /** The proxy holds all it asked for of {@code version}: an earlier rejection of it is void. */
  void accepted(String typeUrl, String version) {
    rejections.accepted(group, nodeId, typeUrl, version);
  }

  /**
   * What this node rejected of the type on an earlier stream, to this replica or another, if
   * anything; the later of the two. Reads memory only.
   */
  Optional<Rejections.Rejection> rejectedBefore(String typeUrl) {
    return rejections.inherited(group, nodeId, typeUrl);
  }

  StreamStatus status(Map<String, ? extends TypeProgress> types) {
    List<TypeStatus> statuses = new ArrayList<>();
    types.forEach((typeUrl, progress) -> statuses.add(progress.status(typeUrl)));
    return new StreamStatus(id, nodeId, group, protocol == Protocol.DELTA, statuses);
  }

  long id() {
    return id;
  }

  /** The time on the replica's clock, for the per-type times /debug and CSDS show. */
  Instant now() {
    return streams.clock().instant();
  }
}
