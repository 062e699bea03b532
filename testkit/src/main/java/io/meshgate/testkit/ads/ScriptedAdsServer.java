package io.meshgate.testkit.ads;

import static java.util.Objects.requireNonNull;

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
import org.jspecify.annotations.Nullable;

/**
 * A real gRPC ADS server on loopback whose responses a test sends by hand: it queues every request
 * it receives and answers nothing by itself. Responses go to the stream of each variant opened
 * last. For tests of ADS clients ({@link AdsClient} and its users).
 */
public final class ScriptedAdsServer implements AutoCloseable {
  private final BlockingQueue<DiscoveryRequest> sotwRequests = new LinkedBlockingQueue<>();
  private final BlockingQueue<DeltaDiscoveryRequest> deltaRequests = new LinkedBlockingQueue<>();
  private volatile @Nullable StreamObserver<DiscoveryResponse> sotw;
  private volatile @Nullable StreamObserver<DeltaDiscoveryResponse> delta;
  private final Server server;

  public ScriptedAdsServer() throws IOException {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new Service())
            .build()
            .start();
  }

  /** {@code 127.0.0.1:PORT}. */
  public String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** A new plaintext channel to it; the caller shuts it down. */
  public ManagedChannel channel() {
    return NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  /** The next state-of-the-world request; fails the test if none comes within 5 s. */
  public DiscoveryRequest nextSotw() throws InterruptedException {
    DiscoveryRequest request = sotwRequests.poll(5, TimeUnit.SECONDS);
    if (request == null) {
      throw new AssertionError("no state-of-the-world request within 5 s");
    }
    return request;
  }

  /** The next delta request; fails the test if none comes within 5 s. */
  public DeltaDiscoveryRequest nextDelta() throws InterruptedException {
    DeltaDiscoveryRequest request = deltaRequests.poll(5, TimeUnit.SECONDS);
    if (request == null) {
      throw new AssertionError("no delta request within 5 s");
    }
    return request;
  }

  /** Sends on the state-of-the-world stream opened last. */
  public void send(DiscoveryResponse response) {
    requireNonNull(sotw, "no state-of-the-world stream yet").onNext(response);
  }

  /** Sends on the delta stream opened last. */
  public void send(DeltaDiscoveryResponse response) {
    requireNonNull(delta, "no delta stream yet").onNext(response);
  }

  /** Ends the current delta stream with UNAVAILABLE, as a replica going away does. */
  public void failDelta() {
    requireNonNull(delta, "no delta stream yet")
        .onError(Status.UNAVAILABLE.withDescription("scripted").asRuntimeException());
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
