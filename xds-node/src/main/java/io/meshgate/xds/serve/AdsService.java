package io.meshgate.xds.serve;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.ProxyAuthenticator;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.util.List;

/** The ADS service: one state machine per stream, fed by the snapshot store's change notices. */
public final class AdsService
    extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
  private final SnapshotStore store;
  private final Authorizer authorizer;
  private final Streams streams = new Streams();

  /** Every stream allowed, its group from its metadata: a loopback-only port without TLS. */
  public AdsService(SnapshotStore store) {
    this(store, Authorizer.anonymousAllowed());
  }

  public AdsService(SnapshotStore store, Authorizer authorizer) {
    this.store = store;
    this.authorizer = authorizer;
    store.onChange(streams::groupChanged);
  }

  private static PeerIdentity peer() {
    PeerIdentity peer = ProxyAuthenticator.PEER.get();
    return peer == null ? PeerIdentity.NONE : peer;
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(
      StreamObserver<DiscoveryResponse> responses) {
    return new SotwStream(responses, store, streams, authorizer, peer());
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
      StreamObserver<DeltaDiscoveryResponse> responses) {
    return new DeltaStream(responses, store, streams, authorizer, peer());
  }

  /** Every open stream's state, for /debug and the status loop. */
  public List<StreamStatus> streams() {
    return streams.statuses();
  }
}
