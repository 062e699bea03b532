package io.meshgate.xds.serve;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.snapshot.SnapshotStore;
import java.util.List;

/** The ADS service: one state machine per stream, fed by the snapshot store's change notices. */
public final class AdsService
    extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
  private final SnapshotStore store;
  private final Streams streams = new Streams();

  public AdsService(SnapshotStore store) {
    this.store = store;
    store.onChange(streams::groupChanged);
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(
      StreamObserver<DiscoveryResponse> responses) {
    return new SotwStream(responses, store, streams);
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
      StreamObserver<DeltaDiscoveryResponse> responses) {
    return new DeltaStream(responses, store, streams);
  }

  /** Every open stream's state, for /debug and the status loop. */
  public List<StreamStatus> streams() {
    return streams.statuses();
  }
}
