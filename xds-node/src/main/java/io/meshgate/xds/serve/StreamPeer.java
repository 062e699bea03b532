package io.meshgate.xds.serve;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.snapshot.TypeUrls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy at the other end of one ADS stream, state of the world or delta alike: admitted (or
 * refused) on its first request, registered under its group until the stream ends. Not thread-safe:
 * the owning stream's synchronized methods call it.
 */
final class StreamPeer {
  private static final Logger log = LoggerFactory.getLogger(StreamPeer.class);
  private static final AtomicLong IDS = new AtomicLong();

  private final long id = IDS.incrementAndGet();
  private final Streams streams;
  private final Authorizer authorizer;
  private final PeerIdentity identity;
  private final boolean delta;
  private String nodeId = "";
  private String group;
  private boolean anonymous;
  private boolean secretsRefused;
  private boolean closed;

  StreamPeer(Streams streams, Authorizer authorizer, PeerIdentity identity, boolean delta) {
    this.streams = streams;
    this.authorizer = authorizer;
    this.identity = identity;
    this.delta = delta;
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
    nodeId = node.getId();
    Authorizer.Decision decision = authorizer.decide(identity, nodeId, ProxyGroups.claimed(node));
    if (decision instanceof Authorizer.Decision.Denied denied) {
      log.warn("stream {} refused: {}", id, denied.status().getDescription());
      closed = true;
      responses.onError(denied.status().asRuntimeException());
      return false;
    }
    Authorizer.Decision.Allowed allowed = (Authorizer.Decision.Allowed) decision;
    anonymous = allowed.anonymous();
    group = anonymous ? ProxyGroups.of(node) : allowed.group();
    streams.add(group, stream);
    log.info(
        "stream {} opened: node {} in group {} ({}, {})",
        id,
        nodeId,
        group,
        delta ? "delta" : "state of the world",
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

  boolean closed() {
    return closed;
  }

  /** The admitted group; null before the first request. */
  String group() {
    return group;
  }

  String nodeId() {
    return nodeId;
  }

  /** The stream ended, by either side: it gets no more changes. */
  void close(Streams.Stream stream) {
    closed = true;
    if (group != null) {
      streams.remove(group, stream);
      log.info("stream {} closed: node {} in group {}", id, nodeId, group);
    }
  }

  /** Ends an open stream from the server's side with this status; the proxy reconnects. */
  void end(Streams.Stream stream, io.grpc.stub.StreamObserver<?> responses, io.grpc.Status status) {
    if (closed) {
      return;
    }
    close(stream);
    responses.onError(status.asRuntimeException());
  }

  void rejected(String typeUrl, String version, String detail) {
    log.warn("node {} ({}) rejected {} version {}: {}", nodeId, group, typeUrl, version, detail);
  }

  StreamStatus status(Map<String, ? extends TypeProgress> types) {
    List<TypeStatus> statuses = new ArrayList<>();
    types.forEach((typeUrl, progress) -> statuses.add(progress.status(typeUrl)));
    return new StreamStatus(id, nodeId, group, delta, statuses);
  }

  long id() {
    return id;
  }
}
