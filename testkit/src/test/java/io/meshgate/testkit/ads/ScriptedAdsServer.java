package io.meshgate.testkit.ads;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC ADS server on loopback whose responses the test sends by hand: it queues every
 * request it receives and answers nothing by itself. Holds one stream of each variant at a time
 * (the last).
 */
final class ScriptedAdsServer implements AutoCloseable {
  private final BlockingQueue<DiscoveryRequest> sotwRequests = new LinkedBlockingQueue<>();
  private final BlockingQueue<DeltaDiscoveryRequest> deltaRequests = new LinkedBlockingQueue<>();
  private volatile StreamObserver<DiscoveryResponse> sotw;
  private volatile StreamObserver<DeltaDiscoveryResponse> delta;
  private final Server server;

  ScriptedAdsServer() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new Service())
            .build()
            .start();
  }

  ManagedChannel channel() {
    return NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  /** The next state-of-the-world request, waiting up to 5 s. */
  DiscoveryRequest nextSotw() throws InterruptedException {
    DiscoveryRequest request = sotwRequests.poll(5, TimeUnit.SECONDS);
    assertThat(request).as("a state-of-the-world request within 5 s").isNotNull();
    return request;
  }

  /** The next delta request, waiting up to 5 s. */
  DeltaDiscoveryRequest nextDelta() throws InterruptedException {
    DeltaDiscoveryRequest request = deltaRequests.poll(5, TimeUnit.SECONDS);
    assertThat(request).as("a delta request within 5 s").isNotNull();
    return request;
  }

  void send(DiscoveryResponse response) {
    sotw.onNext(response);
  }

  void send(DeltaDiscoveryResponse response) {
    delta.onNext(response);
  }

  /** Ends the current delta stream with UNAVAILABLE, as a replica going away does. */
  void failDelta() {
    delta.onError(Status.UNAVAILABLE.withDescription("scripted").asRuntimeException());
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Service
      extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(
        StreamObserver<DiscoveryResponse> responses) {
      sotw = responses;
      return new Queueing<>(sotwRequests);
    }

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
        StreamObserver<DeltaDiscoveryResponse> responses) {
      delta = responses;
      return new Queueing<>(deltaRequests);
    }
  }

  private record Queueing<T>(BlockingQueue<T> into) implements StreamObserver<T> {
    @Override
    public void onNext(T request) {
      into.add(request);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
