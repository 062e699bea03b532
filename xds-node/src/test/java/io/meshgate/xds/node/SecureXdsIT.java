package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.security.ProxyCa;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.TypeUrls;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** TLS on the xDS port with client certificates: a stream's group is its certificate's. */
class SecureXdsIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);
  @TempDir static Path dir;

  private static XdsNode node;
  private static final CapturedLogs LOGS = new CapturedLogs();

  @BeforeAll
  static void start() throws Exception {
    LOGS.start();
    ProxyCa ca = ProxyCa.init(dir.resolve("ca"));
    ca.issueServer(List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1))
        .writeTo(dir.resolve("server"));
    ca.issueClient("gateway/default/edge", Duration.ofHours(1)).writeTo(dir.resolve("edge"));
    ca.issueClient("proxyless", Duration.ofHours(1)).writeTo(dir.resolve("proxyless"));
    node =
        XdsNode.start(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "secure")
                .anyLoopbackPorts()
                .security(
                    new XdsSecurity(
                        Optional.of(dir.resolve("server/tls.crt")),
                        Optional.of(dir.resolve("server/tls.key")),
                        Optional.of(dir.resolve("ca/ca.crt")),
                        false))
                .build());
    EventEncoder encoder = EventEncoder.forSource("secure-it");
    List<ConfigEvent> events = new ArrayList<>();
    String yaml =
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec: {listeners: [{name: http, port: 80, protocol: HTTP}]}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo}
        spec: {static: {endpoints: [{address: 127.0.0.1, port: 8080}]}}
        """;
    for (var document : YamlDocuments.read("-", yaml)) {
      events.add(
          encoder.applied(
              ((Validation.Valid) ResourceValidator.get().validate(document.tree())).resource(),
              OptionalLong.empty()));
    }
    try (EventPublisher publisher =
        new EventPublisher(kafka.bootstrapServers(), Duration.ofSeconds(30), Map.of())) {
      publisher.publish(events);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> node.snapshots().get("gateway/default/edge").isPresent());
  }

  @AfterAll
  static void stop() {
    node.close();
    LOGS.stop();
  }

  /** Everything logged (any level) while the test class runs. */
  static final class CapturedLogs
      extends ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> {
    private final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    protected void append(ch.qos.logback.classic.spi.ILoggingEvent event) {
      lines.add(
          event.getFormattedMessage()
              + (event.getThrowableProxy() == null
                  ? ""
                  : " " + event.getThrowableProxy().getMessage()));
    }

    @Override
    public void start() {
      ch.qos.logback.classic.Logger root =
          (ch.qos.logback.classic.Logger)
              org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      setContext(root.getLoggerContext());
      super.start();
      root.addAppender(this);
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.meshgate"))
          .setLevel(ch.qos.logback.classic.Level.DEBUG);
    }

    @Override
    public void stop() {
      ((ch.qos.logback.classic.Logger)
              org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
          .detachAppender(this);
      super.stop();
    }

    List<String> lines() {
      return List.copyOf(lines);
    }
  }

  /** Opens a TLS channel, with a client certificate when {@code certDir} is given. */
  private static ManagedChannel channel(String certDir) throws Exception {
    SslContextBuilder tls =
        GrpcSslContexts.forClient().trustManager(dir.resolve("ca/ca.crt").toFile());
    if (certDir != null) {
      tls.keyManager(
          dir.resolve(certDir + "/tls.crt").toFile(), dir.resolve(certDir + "/tls.key").toFile());
    }
    return NettyChannelBuilder.forAddress("127.0.0.1", node.xdsAddress().getPort())
        .sslContext(tls.build())
        .build();
  }

  private static Node node(String id, String metadataKey, String value) {
    Node.Builder node = Node.newBuilder().setId(id);
    if (metadataKey != null) {
      node.setMetadata(
          Struct.newBuilder()
              .putFields(metadataKey, Value.newBuilder().setStringValue(value).build()));
    }
    return node.build();
  }

  /** Sends one LDS request; returns the first response or the stream's error. */
  private static Object ask(ManagedChannel channel, Node node) throws InterruptedException {
    return ask(channel, node, null);
  }

  private static Object ask(ManagedChannel channel, Node node, String token)
      throws InterruptedException {
    BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    if (token != null) {
      io.grpc.Metadata headers = new io.grpc.Metadata();
      headers.put(
          io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
          "Bearer " + token);
      stub = stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    StreamObserver<DiscoveryRequest> requests =
        stub.streamAggregatedResources(
            new StreamObserver<>() {
              @Override
              public void onNext(DiscoveryResponse value) {
                outcome.add(value);
              }

              @Override
              public void onError(Throwable t) {
                outcome.add(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {}
            });
    requests.onNext(
        DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.LISTENER).build());
    Object first = outcome.poll(10, TimeUnit.SECONDS);
    assertThat(first).as("an answer").isNotNull();
    return first;
  }

  @Test
  void aClientCertificateForTheGatewayGetsTheGatewaysListeners() throws Exception {
    ManagedChannel channel = channel("edge");
    try {
      Object answer = ask(channel, node("edge-1", ProxyGroups.GATEWAY, "default/edge"));

      assertThat(answer).isInstanceOf(DiscoveryResponse.class);
      assertThat(
              ((DiscoveryResponse) answer)
                  .getResources(0)
                  .unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class)
                  .getName())
          .isEqualTo("default/edge/80");
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void askingForAnotherGroupsClusterByNameReturnsNothing() throws Exception {
    ManagedChannel channel = channel("edge");
    try {
      BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {
                      responses.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      // default/echo is a cluster of the proxyless group only
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node("edge-2", ProxyGroups.GATEWAY, "default/edge"))
              .setTypeUrl(TypeUrls.CLUSTER)
              .addResourceNames("default/echo")
              .build());

      DiscoveryResponse response = responses.poll(10, TimeUnit.SECONDS);
      assertThat(response).isNotNull();
      assertThat(response.getResourcesCount()).isZero();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aCertificateForAnotherGroupIsPermissionDenied() throws Exception {
    ManagedChannel channel = channel("proxyless");
    try {
      Object answer = ask(channel, node("sneaky", ProxyGroups.GATEWAY, "default/edge"));

      assertThat(answer).isInstanceOf(Status.class);
      assertThat(((Status) answer).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(((Status) answer).getDescription())
          .contains("client certificate for group proxyless");
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void withoutCredentialsAStreamIsUnauthenticated() throws Exception {
    ManagedChannel channel = channel(null);
    try {
      Object answer = ask(channel, node("nobody", ProxyGroups.GATEWAY, "default/edge"));

      assertThat(answer).isInstanceOf(Status.class);
      assertThat(((Status) answer).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aProxyTokenGrantsItsGroupAndAForgedOneIsUnauthenticated() throws Exception {
    // given: a signing key in etcd, sealed with a cluster key, and a token for the edge gateway
    io.meshgate.config.seal.SealKeyPair seal = io.meshgate.config.seal.SealKeyPair.generate();
    io.meshgate.xds.security.TokenKeys keys =
        new io.meshgate.xds.security.TokenKeys(etcd.client(), java.time.Clock.systemUTC());
    keys.create(new io.meshgate.config.seal.Sealer(seal.publicKey()));
    io.meshgate.xds.security.SigningKey signing =
        keys.currentSigningKey(new io.meshgate.config.seal.Unsealer(seal.privateKey()))
            .orElseThrow();
    String token =
        new io.meshgate.xds.security.TokenIssuer(signing, java.time.Clock.systemUTC())
            .create("gateway/default/edge", Optional.of("edge-"), Duration.ofMinutes(10));

    // when / then: over TLS without a client certificate
    ManagedChannel channel = channel(null);
    try {
      Object granted =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> ask(channel, node("edge-7", ProxyGroups.GATEWAY, "default/edge"), token),
                  a -> a instanceof DiscoveryResponse);
      assertThat(granted).isInstanceOf(DiscoveryResponse.class);

      Object wrongNode = ask(channel, node("other-1", ProxyGroups.GATEWAY, "default/edge"), token);
      assertThat(((Status) wrongNode).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(((Status) wrongNode).getDescription()).contains("node id").doesNotContain(token);

      Object forged =
          ask(
              channel,
              node("edge-8", ProxyGroups.GATEWAY, "default/edge"),
              token.substring(0, token.length() - 4) + "AAAA");
      assertThat(((Status) forged).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    } finally {
      channel.shutdownNow();
    }
  }
}
