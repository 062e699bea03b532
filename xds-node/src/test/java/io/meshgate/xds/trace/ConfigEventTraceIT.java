package io.meshgate.xds.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.model.Resource;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.TypeUrls;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One config event's trace through a real replica (Kafka and etcd of testkit) to a connected ADS
 * client: the publish span {@code meshgate apply} starts, the applier's apply span as its child,
 * the replica's build span as the apply span's child and the push span as the build span's child,
 * all in one trace, in that order in time.
 */
class ConfigEventTraceIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static String route(String value) {
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: 50051}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: greet}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: echo}]
          rules:
            - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: {set: [{name: x-version, value: "VALUE"}]}
              backendRefs: [{name: echo}]
        """
        .replace("VALUE", value);
  }

  @Test
  void oneEventIsOneTraceFromPublishThroughApplyAndBuildToTheFirstPush() throws Exception {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exported))
                    .build())
            .build();
    Tracing tracing = Tracing.with(sdk);
    List<SpanData> finished;
    try (XdsNode node =
        XdsNode.start(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "trace-it")
                .anyLoopbackPorts()
                .build(),
            tracing)) {
      // given: a route, and a client that holds it
      publish(events(route("v1")), Tracing.off());
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", node.xdsAddress().getPort())
              .usePlaintext()
              .build();
      try {
        AckingClient client = new AckingClient(channel);
        DiscoveryResponse first = client.await(r -> r.getResourcesCount() == 1);
        exported.reset();

        // when: one event changes the route, published as meshgate apply does
        List<ConfigEvent> change =
            events(route("v2")).stream().filter(e -> e.subject().startsWith("GRPCRoute")).toList();
        publish(change, tracing);

        // then: the client gets the new route table...
        client.await(r -> !r.getVersionInfo().equals(first.getVersionInfo()));
        // ...and the event's trace is exported whole
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    exported.getFinishedSpanItems().stream()
                        .anyMatch(s -> s.getName().equals("push")));
        // Before the node closes its tracing, which empties the exporter.
        finished = List.copyOf(exported.getFinishedSpanItems());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    SpanData publish = one(finished, "publish");
    // Only the event's trace: the first config's events have traces of their own.
    List<SpanData> spans =
        finished.stream().filter(s -> s.getTraceId().equals(publish.getTraceId())).toList();
    SpanData apply = one(spans, "apply");
    SpanData build = one(spans, "build");
    SpanData push = one(spans, "push");
    assertThat(List.of(apply, build, push))
        .extracting(SpanData::getTraceId)
        .containsOnly(publish.getTraceId());
    assertThat(publish.getParentSpanContext().isValid()).isFalse();
    assertThat(apply.getParentSpanId()).isEqualTo(publish.getSpanId());
    assertThat(build.getParentSpanId()).isEqualTo(apply.getSpanId());
    assertThat(push.getParentSpanId()).isEqualTo(build.getSpanId());
    assertThat(apply.getStartEpochNanos()).isGreaterThanOrEqualTo(publish.getStartEpochNanos());
    assertThat(build.getStartEpochNanos()).isGreaterThanOrEqualTo(apply.getEndEpochNanos());
    assertThat(push.getStartEpochNanos()).isGreaterThanOrEqualTo(build.getStartEpochNanos());
    // bounded attributes: the event, where it sat, the build's size, the push's group and type
    assertThat(apply.getAttributes().asMap().keySet().toString())
        .contains(
            "meshgate.event.id", "messaging.destination.partition.id", "messaging.kafka.offset");
    assertThat(build.getAttributes().asMap().keySet().toString())
        .contains("meshgate.etcd.revision", "meshgate.groups", "messaging.kafka.offset");
    assertThat(push.getAttributes().asMap().toString())
        .contains("meshgate.group=proxyless", "meshgate.xds.type_url=" + TypeUrls.ROUTE);
  }

  private static SpanData one(List<SpanData> spans, String name) {
    List<SpanData> named = spans.stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(named).as("spans named %s in %s", name, spans).hasSize(1);
    return named.get(0);
  }

  private static List<ConfigEvent> events(String yaml) {
    EventEncoder encoder = EventEncoder.forSource("trace-it");
    List<ConfigEvent> events = new ArrayList<>();
    for (var document : YamlDocuments.read("-", yaml)) {
      Resource resource =
          ((Validation.Valid) ResourceValidator.get().validate(document.tree())).resource();
      events.add(encoder.applied(resource, OptionalLong.empty()));
    }
    return events;
  }

  /** As meshgate apply publishes: a publish span per event when tracing is on. */
  private static void publish(List<ConfigEvent> events, Tracing tracing) {
    try (PublishSpans traced = PublishSpans.start(tracing, events);
        EventPublisher publisher =
            new EventPublisher(kafka.bootstrapServers(), Duration.ofSeconds(30), Map.of())) {
      publisher.publish(traced.events());
    }
  }

  /** A proxyless client of the route table {@code echo.default} that ACKs every response. */
  private static final class AckingClient implements StreamObserver<DiscoveryResponse> {
    private final BlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
    private final StreamObserver<DiscoveryRequest> requests;
    private final Node node =
        Node.newBuilder()
            .setId("trace-client")
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        ProxyGroups.PROXYLESS, Value.newBuilder().setStringValue("true").build()))
            .build();

    AckingClient(ManagedChannel channel) {
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
      requests.onNext(request("", ""));
    }

    private DiscoveryRequest request(String version, String nonce) {
      return DiscoveryRequest.newBuilder()
          .setNode(node)
          .setTypeUrl(TypeUrls.ROUTE)
          .addResourceNames("echo.default")
          .setVersionInfo(version)
          .setResponseNonce(nonce)
          .build();
    }

    DiscoveryResponse await(Predicate<DiscoveryResponse> wanted) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        DiscoveryResponse response = received.poll(1, TimeUnit.SECONDS);
        if (response != null && wanted.test(response)) {
          return response;
        }
      }
      throw new AssertionError("no such response within 30 s");
    }

    @Override
    public void onNext(DiscoveryResponse response) {
      requests.onNext(request(response.getVersionInfo(), response.getNonce()));
      received.add(response);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
