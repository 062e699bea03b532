package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.security.PeerIdentity;
import io.meshgate.xds.security.ProxyAuthenticator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Simulated ADS clients that record what they receive, and a stand-in for a peer's credential. */
final class AdsClients {
  private AdsClients() {}

  /** Every call on the server presents {@code identity}, as ProxyAuthenticator would set it. */
  static ServerInterceptor presenting(PeerIdentity identity) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Context context = Context.current().withValue(ProxyAuthenticator.PEER, identity);
        return Contexts.interceptCall(context, call, headers, next);
      }
    };
  }

  /** A state-of-the-world stream. */
  static final class Sotw implements StreamObserver<DiscoveryResponse> {
    final BlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
    final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    final StreamObserver<DiscoveryRequest> requests;

    Sotw(Channel channel) {
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
    }

    /** A first request or a subscription change: no version, no nonce. */
    void ask(Node node, String typeUrl, List<String> names) {
      request(node, typeUrl, names, "", "", false);
    }

    /** The proxy goes away: the client cancels its call. */
    void cancel() {
      requests.onError(io.grpc.Status.CANCELLED.asRuntimeException());
    }

    /** A NACK of the response with {@code nonce}, with this error detail. */
    void nack(
        Node node,
        String typeUrl,
        List<String> names,
        String version,
        String nonce,
        String detail) {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .addAllResourceNames(names)
              .setVersionInfo(version)
              .setResponseNonce(nonce)
              .setErrorDetail(Status.newBuilder().setCode(3).setMessage(detail))
              .build());
    }

    void request(
        Node node, String typeUrl, List<String> names, String version, String nonce, boolean nack) {
      DiscoveryRequest.Builder request =
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .addAllResourceNames(names)
              .setVersionInfo(version)
              .setResponseNonce(nonce);
      if (nack) {
        request.setErrorDetail(Status.newBuilder().setCode(3).setMessage("rejected by test"));
      }
      requests.onNext(request.build());
    }

    DiscoveryResponse next() throws InterruptedException {
      DiscoveryResponse response = received.poll(5, TimeUnit.SECONDS);
      assertThat(response).as("a response").isNotNull();
      return response;
    }

    @Override
    public void onNext(DiscoveryResponse value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
    }

    @Override
    public void onCompleted() {}
  }

  /** A delta stream. */
  static final class Delta implements StreamObserver<DeltaDiscoveryResponse> {
    final BlockingQueue<DeltaDiscoveryResponse> received = new LinkedBlockingQueue<>();
    final StreamObserver<DeltaDiscoveryRequest> requests;

    Delta(Channel channel) {
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(this);
    }

    /** Subscribes to {@code names} of a type. */
    void ask(Node node, String typeUrl, List<String> names) {
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .addAllResourceNamesSubscribe(names)
              .build());
    }

    /** An ACK of the response with {@code nonce}. */
    void ack(Node node, String typeUrl, String nonce) {
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .setResponseNonce(nonce)
              .build());
    }

    DeltaDiscoveryResponse next() throws InterruptedException {
      DeltaDiscoveryResponse response = received.poll(5, TimeUnit.SECONDS);
      assertThat(response).as("a response").isNotNull();
      return response;
    }

    @Override
    public void onNext(DeltaDiscoveryResponse value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
