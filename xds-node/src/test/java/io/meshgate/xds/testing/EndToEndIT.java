package io.meshgate.xds.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import io.meshgate.testkit.grpc.Tally;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole path: resources published to Kafka → applied to etcd → read, translated and served by
 * an xds-node → grpc-java's xDS client routes real calls to real servers.
 */
class EndToEndIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);
  @RegisterExtension static EchoServers echo = EchoServers.named("v1", "v2a", "v2b");

  private static XdsNode node;
  private static GrpcXdsClient client;

  @BeforeAll
  static void start() {
    node =
        XdsNode.start(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "e2e")
                .anyLoopbackPorts()
                .build());
    client =
        GrpcXdsClient.connectTo(new InetSocketAddress("127.0.0.1", node.xdsAddress().getPort()))
            .nodeId("e2e-client")
            .nodeCluster("proxyless")
            .locality("", "z1")
            .metadata("meshgate.io/proxyless", "true")
            .build();
  }

  @AfterAll
  static void stop() {
    client.close();
    node.close();
  }

  private static void publish(int v1Weight, String... v2Servers) {
    StringBuilder v2Endpoints = new StringBuilder();
    for (String server : v2Servers) {
      v2Endpoints
          .append(v2Endpoints.length() == 0 ? "" : ", ")
          .append("{address: 127.0.0.1, port: ")
          .append(echo.address(server).getPort())
          .append(", zone: z1}");
    }
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: V1, zone: z1}]}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo-v1}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: V1, zone: z1}]}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo-v2}
        spec: {protocol: GRPC, static: {endpoints: [V2]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: echo-split}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: echo}]
          rules: [{backendRefs: [{name: echo-v1, weight: W1}, {name: echo-v2, weight: W2}]}]
        """
            .replace("V1", Integer.toString(echo.address("v1").getPort()))
            .replace("V2", v2Endpoints)
            .replace("W1", Integer.toString(v1Weight))
            .replace("W2", Integer.toString(100 - v1Weight));
    EventEncoder encoder = EventEncoder.forSource("e2e");
    List<ConfigEvent> events = new ArrayList<>();
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
  }

  @Test
  void publishedSplitsSteerRealCallsAndEndpointChangesMoveTraffic() throws Exception {
    // given: 80/20 published to Kafka
    publish(80, "v2a", "v2b");
    ManagedChannel channel = client.channel("echo.default");

    // then: once served, calls split 80/20 (400 calls, p = 0.2: sd 8, ±4.5 sd = ±36)
    // Events apply one by one: the Backend alone already gives a default route to v1, so wait
    // until the split itself is served.
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> EchoServers.tally(channel, 50).answeredBy("v2a", "v2b") > 0);
    Tally split = EchoServers.tally(channel, 400);
    assertThat(split.answeredBy("v2a", "v2b")).as("%s", split).isBetween(80 - 36, 80 + 36);

    // when 50/50 is published, traffic follows (sd 10, ±45 around 200)
    publish(50, "v2a", "v2b");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> EchoServers.tally(channel, 400).answeredBy("v2a", "v2b"),
            n -> n >= 155 && n <= 245);

    // when v2a is removed from echo-v2, its share moves to v2b
    publish(50, "v2b");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              int before = echo.served("v2a");
              Tally t = EchoServers.tally(channel, 200);
              return echo.served("v2a") == before && t.answeredBy("v2b") > 0;
            });

    // and the admin endpoints tell it: ready, and the proxyless group with its versions
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + node.adminAddress().getPort();
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    String snapshots =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/debug/snapshots")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(snapshots).contains("\"name\" : \"proxyless\"").contains("RouteConfiguration");
    String streams =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/debug/streams")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(streams).contains("e2e-client").contains("ackedVersion");
  }
}
