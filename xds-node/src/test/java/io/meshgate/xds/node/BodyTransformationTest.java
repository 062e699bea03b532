package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.meshgate.edge.transform.Operation;
import io.meshgate.edge.transform.TransformConfig;
import io.meshgate.edge.transform.TransformService;
import io.meshgate.edge.transform.Transformation;
import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.edge.TransformConfigs;
import io.meshgate.xds.envoy.EnvoyResource;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.keys.CertificateDirs;
import io.meshgate.xds.keys.KeyLoader;
import io.meshgate.xds.pipeline.Pipeline;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.translate.Cases;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BodyTransformationTest {
  private static final Path BODY_CASE =
      Path.of("src/test/resources/golden/envoy/gateway-transform-body");

  @Test
  void theServiceKnowsExactlyTheTransformationsEnvoysRoutesName() throws Exception {
    // given the production translation of the golden case
    Cases.Translated translated = Cases.translateCase(BODY_CASE);

    // when
    TransformConfig config = TransformConfigs.of(translated.ir());

    // then every name Envoy sends as initial metadata is one the service serves, and no other
    Set<String> named = new TreeSet<>();
    for (GroupResources group : translated.groups()) {
      for (EnvoyResource table : group.routes()) {
        for (VirtualHost host : table.unpack(RouteConfiguration.class).getVirtualHostsList()) {
          for (Route route : host.getRoutesList()) {
            var perRoute = route.getTypedPerFilterConfigMap().get("envoy.filters.http.ext_proc");
            if (perRoute != null) {
              perRoute
                  .unpack(ExtProcPerRoute.class)
                  .getOverrides()
                  .getGrpcInitialMetadataList()
                  .stream()
                  .filter(h -> h.getKey().equals(TransformService.TRANSFORM_METADATA))
                  .forEach(h -> named.add(h.getValue()));
            }
          }
        }
      }
    }
    assertThat(named).containsExactly("default/catalog-body", "default/orders-body");
    assertThat(config.size()).isEqualTo(named.size());
    Transformation orders = config.get("default/orders-body").orElseThrow();
    assertThat(orders.maxBytes()).isEqualTo(262144);
    assertThat(orders.request()).hasSize(4);
    assertThat(orders.request().get(0))
        .isEqualTo(
            new Operation.Move(
                Operation.pointer("/customerName"), Operation.pointer("/customer/name")));
    assertThat(config.get("default/catalog-body").orElseThrow().request()).isEmpty();
  }

  @Test
  void theServiceIsOffUnlessTheEnvironmentTurnsItOn() {
    assertThat(BodyTransformation.addressFromEnvironment(Map.of())).isEmpty();
    assertThat(BodyTransformation.addressFromEnvironment(Map.of("MESHGATE_EXTPROC", "on")))
        .contains(new InetSocketAddress("127.0.0.1", 18083));
    assertThat(
            BodyTransformation.addressFromEnvironment(
                Map.of("MESHGATE_EXTPROC_ADDR", "127.0.0.1:19083")))
        .contains(new InetSocketAddress("127.0.0.1", 19083));
    assertThatThrownBy(
            () -> BodyTransformation.addressFromEnvironment(Map.of("MESHGATE_EXTPROC", "maybe")))
        .hasMessage("MESHGATE_EXTPROC: 'maybe' (expected: on or off)");
  }

  @Test
  void eachBuildFeedsTheRunningServiceAndClosingStopsIt() throws Exception {
    // given a pipeline and the service following it
    Pipeline pipeline =
        new Pipeline(
            new SnapshotStore(),
            Duration.ZERO,
            Duration.ofMillis(10),
            KeyLoader.of(Cases.testUnsealer(), CertificateDirs.none()));
    BodyTransformation service =
        BodyTransformation.start(new InetSocketAddress("127.0.0.1", 0), pipeline);
    int port = service.port();
    try {
      // when the config with the body policies is built
      pipeline.accept(Cases.snapshot(GoldenFiles.read(BODY_CASE.resolve("input.yaml"))));

      // then the service has its transformations and applies them over gRPC
      await().until(() -> service.current().size() == 2);
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        assertThat(catalogResponse(channel)).isEqualTo("{\"data\":{\"items\":[1]}}");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      service.close();
      pipeline.close();
    }

    // and after close the server has stopped (asserted on the server: an ephemeral port, once
    // free, may be taken by anything else on the machine)
    assertThat(service.stopped()).isTrue();
  }

  /** Plays Envoy for a GET on /catalog whose JSON response carries items. */
  private static String catalogResponse(ManagedChannel channel) throws InterruptedException {
    Metadata metadata = new Metadata();
    metadata.put(
        Metadata.Key.of(TransformService.TRANSFORM_METADATA, Metadata.ASCII_STRING_MARSHALLER),
        "default/catalog-body");
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
            .setRequestHeaders(headers(":method", "GET", ":path", "/catalog"))
            .build());
    assertThat(answers.poll(5, TimeUnit.SECONDS)).isNotNull();
    requests.onNext(
        ProcessingRequest.newBuilder()
            .setResponseHeaders(headers(":status", "200", "content-type", "application/json"))
            .build());
    assertThat(answers.poll(5, TimeUnit.SECONDS)).isNotNull();
    requests.onNext(
        ProcessingRequest.newBuilder()
            .setResponseBody(
                HttpBody.newBuilder()
                    .setBody(ByteString.copyFromUtf8("{\"items\":[1]}"))
                    .setEndOfStream(true))
            .build());
    ProcessingResponse body = answers.poll(5, TimeUnit.SECONDS);
    requests.onCompleted();
    return body.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8();
  }

  private static HttpHeaders headers(String... pairs) {
    HeaderMap.Builder map = HeaderMap.newBuilder();
    for (int i = 0; i < pairs.length; i += 2) {
      map.addHeaders(
          HeaderValue.newBuilder()
              .setKey(pairs[i])
              .setRawValue(ByteString.copyFromUtf8(pairs[i + 1])));
    }
    return HttpHeaders.newBuilder().setHeaders(map).build();
  }
}
