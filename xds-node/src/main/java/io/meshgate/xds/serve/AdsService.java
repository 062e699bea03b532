package io.meshgate.xds.serve;

import static java.util.Objects.requireNonNull;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/**
 * The ADS service: one state machine per stream, fed by the snapshot store's change notices. A
 * stream leaves the registry the moment its proxy cancels, and sends nothing while its proxy does
 * not read (gRPC's ready handler resumes it with the newest state). What proxies NACKed is
 * remembered per node (Rejections), on this replica and, when wired to them, from the other
 * replicas, so a reconnect to any replica does not bring it back.
 */
public final class AdsService
    extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
  private final SnapshotStore store;
  private final Authorizer authorizer;
  private final Streams streams;
  private final Rejections rejections;
  private final StreamAdmission admission;

  /** Every stream allowed, its group from its metadata: a loopback-only port without TLS. */
  public AdsService(SnapshotStore store) {
    this(store, Authorizer.anonymousAllowed());
  }

  public AdsService(SnapshotStore store, Authorizer authorizer) {
    this(store, authorizer, new StreamAdmission(StreamAdmission.DEFAULT_PER_SECOND));
  }

  /** What proxies rejected is remembered on this replica only. */
  public AdsService(SnapshotStore store, Authorizer authorizer, StreamAdmission admission) {
    this(store, authorizer, admission, new Rejections());
  }

  /**
   * What proxies rejected is kept in {@code rejections}, which a replica shares with the others.
   */
  public AdsService(
      SnapshotStore store,
      Authorizer authorizer,
      StreamAdmission admission,
      Rejections rejections) {
    this(store, authorizer, admission, rejections, Clock.systemUTC());
  }

  /** As above, with the clock the per-type times of sends, ACKs and NACKs are read from. */
  public AdsService(
      SnapshotStore store,
      Authorizer authorizer,
      StreamAdmission admission,
      Rejections rejections,
      Clock clock) {
    this.store = store;
    this.authorizer = authorizer;
    this.admission = admission;
    this.streams = new Streams(admission, requireNonNull(clock, "clock"));
    this.rejections = rejections;
    store.onChange(streams::groupChanged);
  }

  /** Tells {@code events} of every stream admitted or ended from now on. */
  public void streamEvents(StreamEvents events) {
    streams.events(requireNonNull(events, "events"));
  }

  /** Tells {@code metrics} what streams do from now on: pushes, ACKs, NACKs, refusals. */
  public void metrics(ServeMetrics metrics) {
    streams.metrics(requireNonNull(metrics, "metrics"));
  }

  /** Ends every open stream with UNAVAILABLE: this replica is stopping. */
  public void endAllStreams() {
    streams.endAll(Status.UNAVAILABLE.withDescription("this xDS replica is shutting down"));
  }

  /**
   * Ends every stream whose credential (a proxy token) is no longer valid at {@code now}; a replica
   * calls it every second.
   *
   * @return how many were ended
   */
  public int endExpiredCredentials(Instant now) {
    return streams.endExpired(now);
  }

  /**
   * Ends every stream whose proxy token was signed by a key {@code liveKid} no longer accepts (a
   * revoked key); a replica calls it every second.
   *
   * @return how many were ended
   */
  public int endRevokedCredentials(Predicate<String> liveKid) {
    return streams.endRevoked(liveKid);
  }

  /** Streams refused by the admission limits since start. */
  public long refused() {
    return admission.refused();
  }

  private static PeerIdentity peer() {
    PeerIdentity peer = ProxyAuthenticator.PEER.get();
    return peer == null ? PeerIdentity.NONE : peer;
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(
      StreamObserver<DiscoveryResponse> responses) {
    ServerCallStreamObserver<DiscoveryResponse> call =
        (ServerCallStreamObserver<DiscoveryResponse>) responses;
    SotwStream stream = new SotwStream(call, store, streams, authorizer, peer(), rejections);
    // Both handlers are set before this method returns, as gRPC requires. With a cancel handler,
    // a send to a cancelled call is dropped instead of throwing CANCELLED.
    call.setOnCancelHandler(stream::cancelled);
    call.setOnReadyHandler(stream::resume);
    return stream;
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
      StreamObserver<DeltaDiscoveryResponse> responses) {
    ServerCallStreamObserver<DeltaDiscoveryResponse> call =
        (ServerCallStreamObserver<DeltaDiscoveryResponse>) responses;
    DeltaStream stream = new DeltaStream(call, store, streams, authorizer, peer(), rejections);
    call.setOnCancelHandler(stream::cancelled);
    call.setOnReadyHandler(stream::resume);
    return stream;
  }

  /** The open streams' statuses by group, and which groups changed: for the ACK reporter. */
  public GroupStatuses groupStatuses() {
    return streams;
  }

  /** Every open stream's state, for /debug, CSDS and the proxy pages. */
  public List<StreamStatus> streams() {
    return streams.statuses();
  }
}
