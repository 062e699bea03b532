package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.StoreReader;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.cli.LogFormat;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.testing.PublishedYaml;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A NACK through a real replica, logged in JSON: one parseable line at WARN whose fields are the
 * node id, group, type URL, version, nonce and stream id, and the proxy's error detail cut as
 * everywhere else; the text format's line is what it was.
 */
class NackLogIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final ResourceKey ROUTE = new ResourceKey(Kind.GRPC_ROUTE, "default", "greet");

  private static final String CONFIG =
      """
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
        rules: [{backendRefs: [{name: echo}]}]
      """;

  @Test
  void aNackIsOneJsonLineAtWarnWithTheStreamsFieldsAndTheCutDetail() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ByteArrayOutputStream json = new ByteArrayOutputStream();
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    PatternLayoutEncoder pattern = new PatternLayoutEncoder();
    pattern.setContext(context);
    // logback.xml's pattern without the time, the logger's name in full
    pattern.setPattern("%-5level %logger - %msg%n");
    pattern.start();
    OutputStreamAppender<ILoggingEvent> jsonAppender =
        appender(context, LogFormat.jsonEncoder(context), json);
    OutputStreamAppender<ILoggingEvent> textAppender = appender(context, pattern, text);
    Logger streams = context.getLogger(StreamPeer.class);
    streams.addAppender(jsonAppender);
    streams.addAppender(textAppender);
    try (XdsNode node =
        XdsNode.start(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "nack-log-it")
                .anyLoopbackPorts()
                .build())) {
      // given: a route, built and published
      publish(CONFIG);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !new StoreReader(etcd.client(), Duration.ofSeconds(5))
                      .conditions(ROUTE)
                      .isEmpty());
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", node.xdsAddress().getPort())
              .usePlaintext()
              .build();
      try {
        AdsClients.Sotw proxy = new AdsClients.Sotw(channel);
        proxy.ask(scripted(), TypeUrls.ROUTE, List.of("echo.default"));
        DiscoveryResponse response = proxy.next();

        // when: it NACKs, with 20 KB of detail over two lines
        proxy.nack(
            scripted(),
            TypeUrls.ROUTE,
            List.of("echo.default"),
            "",
            response.getNonce(),
            "rejected by test\n" + "x".repeat(20_000));

        // then
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> lines(json).stream().anyMatch(l -> l.contains("rejected by test")));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      streams.detachAppender(jsonAppender);
      streams.detachAppender(textAppender);
    }
    List<String> nacks =
        lines(json).stream().filter(l -> l.contains("\"level\":\"WARN\"")).toList();
    assertThat(nacks).hasSize(1);
    JsonNode line = Mappers.json().readTree(nacks.get(0));
    Map<String, String> fields = new HashMap<>();
    line.path("kvpList")
        .forEach(
            kv -> kv.fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().asText())));
    String detail = fields.get("errorDetail");
    assertThat(fields)
        .containsEntry("node", "nack-log-1")
        .containsEntry("group", "proxyless")
        .containsEntry("typeUrl", TypeUrls.ROUTE)
        .containsKeys("version", "nonce", "stream");
    assertThat(fields.get("nonce")).isNotEmpty();
    assertThat(fields.get("version")).isNotEmpty();
    assertThat(Long.parseLong(fields.get("stream"))).isPositive();
    assertThat(detail).isEqualTo(ErrorDetails.cut("rejected by test\n" + "x".repeat(20_000)));
    assertThat(detail.getBytes(StandardCharsets.UTF_8).length)
        .isLessThan(ErrorDetails.MAX_BYTES + 64);
    assertThat(line.path("formattedMessage").asText())
        .startsWith("node nack-log-1 (proxyless) rejected " + TypeUrls.ROUTE + " version ");
    // the text format: the same message, no fields
    assertThat(lines(text))
        .filteredOn(l -> l.startsWith("WARN"))
        .singleElement()
        .asString()
        .startsWith(
            "WARN  io.meshgate.xds.serve.StreamPeer - node nack-log-1 (proxyless) rejected "
                + TypeUrls.ROUTE
                + " version "
                + fields.get("version")
                + ": rejected by test")
        .doesNotContain("kvpList");
  }

  private static OutputStreamAppender<ILoggingEvent> appender(
      LoggerContext context, Encoder<ILoggingEvent> encoder, ByteArrayOutputStream out) {
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(out);
    appender.start();
    return appender;
  }

  private static List<String> lines(ByteArrayOutputStream out) {
    synchronized (out) {
      return out.toString(StandardCharsets.UTF_8).lines().toList();
    }
  }

  private static Node scripted() {
    return Node.newBuilder()
        .setId("nack-log-1")
        .setMetadata(
            Struct.newBuilder()
                .putFields(
                    ProxyGroups.PROXYLESS, Value.newBuilder().setStringValue("true").build()))
        .build();
  }

  private static void publish(String yaml) {
    PublishedYaml.publish(kafka.bootstrapServers(), "nack-log-it", yaml);
  }
}
