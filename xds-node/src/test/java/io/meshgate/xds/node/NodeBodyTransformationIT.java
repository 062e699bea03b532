package io.meshgate.xds.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.etcd.jetcd.ByteSequence;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Resource;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoredValues;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.edge.transform.TransformService;
import io.meshgate.testkit.EtcdCluster;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real node with the body transformation service on: it serves the transformations of the
 * TransformPolicies in etcd, and stops with the node.
 */
class NodeBodyTransformationIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final List<String> CONFIG =
      List.of(
          """
          apiVersion: gateway.networking.k8s.io/v1
          kind: Gateway
          metadata: {name: edge, namespace: shop}
          spec: {listeners: [{name: web, port: 80, protocol: HTTP}]}
          """,
          """
          apiVersion: meshgate.io/v1alpha1
          kind: Backend
          metadata: {name: app, namespace: shop}
          spec: {static: {endpoints: [{address: 10.0.0.1, port: 8080}]}}
          """,
          """
          apiVersion: gateway.networking.k8s.io/v1
          kind: HTTPRoute
          metadata: {name: orders, namespace: shop}
          spec:
            parentRefs: [{name: edge}]
            rules: [{backendRefs: [{name: app}]}]
          """,
          """
          apiVersion: meshgate.io/v1alpha1
          kind: TransformPolicy
          metadata: {name: orders-body, namespace: shop}
          spec:
            targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: orders}]
            body: {request: [{type: Remove, path: /debug}]}
          """);

  @Test
  void theNodeServesTheTransformationsOfItsConfigAndStopsTheServiceWithIt() throws Exception {
    // given a node with the service on a free loopback port
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    XdsNode node =
        XdsNode.startServingOnly(
            NodeSettings.builder("127.0.0.1:9", etcd.endpointList(), "transform")
                .anyLoopbackPorts()
                .bodyTransform(new InetSocketAddress("127.0.0.1", port))
                .build());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      // when the TransformPolicy is in etcd
      for (String yaml : CONFIG) {
        put(yaml);
      }

      // then the service answers for its transformation instead of 503
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> requestHeadersAnswer(channel, "shop/orders-body").hasRequestHeaders());
      assertThat(requestHeadersAnswer(channel, "shop/other").getImmediateResponse().getDetails())
          .isEqualTo("transformation_unknown");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      node.close();
    }

    // and nothing listens there once the node is closed
    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
        .isInstanceOf(ConnectException.class);
  }

  private static void put(String yaml) throws Exception {
    Resource resource =
        ((Validation.Valid)
                ResourceValidator.get().validate(YamlDocuments.read("-", yaml).get(0).tree()))
            .resource();
    etcd.client()
        .getKVClient()
        .put(
            ByteSequence.from(Keyspace.resource(resource.key()), UTF_8),
            ByteSequence.from(StoredValues.resource(resource)))
        .get(10, TimeUnit.SECONDS);
  }

  /** Envoy's first message of a stream for {@code name}, and the service's answer. */
  private static ProcessingResponse requestHeadersAnswer(ManagedChannel channel, String name)
      throws InterruptedException {
    Metadata metadata = new Metadata();
    metadata.put(
        Metadata.Key.of(TransformService.TRANSFORM_METADATA, Metadata.ASCII_STRING_MARSHALLER),
        name);
    BlockingQueue<ProcessingResponse> answers = new LinkedBlockingQueue<>();
    StreamObserver<ProcessingRequest> requests =
        ExternalProcessorGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
            .process(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ProcessingResponse value) {
                    answers.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(
                HttpHeaders.newBuilder()
                    .setHeaders(
                        HeaderMap.newBuilder()
                            .addHeaders(
                                HeaderValue.newBuilder()
                                    .setKey(":path")
                                    .setRawValue(ByteString.copyFromUtf8("/orders")))))
            .build());
    ProcessingResponse answer = answers.poll(5, TimeUnit.SECONDS);
    requests.onCompleted();
    assertThat(answer).as("an answer within 5 s").isNotNull();
    return answer;
  }
}
