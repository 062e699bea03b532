package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.StoreReader;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.testing.PublishedYaml;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Programmed end to end: a replica fed through Kafka and etcd, grpc-java's xDS client as a proxy
 * that takes what it is sent, and a scripted ADS client that holds back or rejects, so each state
 * the leader writes is reached on purpose.
 */
class ProgrammedIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);
  @RegisterExtension static EchoServers echo = EchoServers.named("echo");

  private static final ResourceKey ROUTE = new ResourceKey(Kind.GRPC_ROUTE, "default", "greet");
  private static XdsNode node;

  @BeforeAll
  static void startReplica() {
    node =
        XdsNode.start(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "programmed-it")
                .anyLoopbackPorts()
                .build());
  }

  @AfterAll
  static void stopReplica() {
    node.close();
  }

  private static String config(String header) {
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: PORT}]}}
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
        .replace("PORT", Integer.toString(echo.address("echo").getPort()))
        .replace("VALUE", header);
  }

  private static void publish(String yaml) {
    PublishedYaml.publish(kafka.bootstrapServers(), "programmed-it", yaml);
  }

  private static Optional<Condition> programmed() {
    return new StoreReader(etcd.client(), Duration.ofSeconds(5))
        .conditions(ROUTE).stream().filter(c -> c.type().equals("Programmed")).findFirst();
  }

  private static boolean programmedIs(ConditionStatus status, String reason, long generation) {
    return programmed()
        .filter(c -> c.status() == status)
        .filter(c -> c.reason().equals(reason))
        .filter(c -> c.observedGeneration() == generation)
        .isPresent();
  }

  private static Node scripted() {
    return Node.newBuilder()
        .setId("scripted-1")
        .setMetadata(
            Struct.newBuilder()
                .putFields(
                    ProxyGroups.PROXYLESS, Value.newBuilder().setStringValue("true").build()))
        .build();
  }

  @Test
  void programmedFollowsWhatTheConnectedProxiesHold() throws Exception {
    // given: no proxy yet
    publish(config("v1"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> programmedIs(ConditionStatus.FALSE, "Pending", 1));
    assertThat(programmed().orElseThrow().message()).contains("no proxy of proxyless is connected");

    // when: a gRPC client takes its config (and calls through it)
    try (GrpcXdsClient grpc =
        GrpcXdsClient.connectTo(new InetSocketAddress("127.0.0.1", node.xdsAddress().getPort()))
            .nodeId("grpc-1")
            .nodeCluster("proxyless")
            .locality("", "z1")
            .metadata(ProxyGroups.PROXYLESS, "true")
            .build()) {
      assertThat(EchoServers.identify(grpc.channel("echo.default"))).isEqualTo("echo");

      // then: Programmed=True for generation 1
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> programmedIs(ConditionStatus.TRUE, "Programmed", 1));

      // when: a second proxy receives the route table but does not answer yet
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", node.xdsAddress().getPort())
              .usePlaintext()
              .build();
      try {
        AdsClients.Sotw held = new AdsClients.Sotw(channel);
        held.ask(scripted(), TypeUrls.ROUTE, List.of("echo.default"));
        DiscoveryResponse first = held.next();

        // then: Pending, naming how many have not taken it
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> programmedIs(ConditionStatus.FALSE, "Pending", 1));
        assertThat(programmed().orElseThrow().message())
            .contains("1 of 2 connected proxies of proxyless do not hold it yet");

        // when it ACKs: True again
        held.request(
            scripted(),
            TypeUrls.ROUTE,
            List.of("echo.default"),
            first.getVersionInfo(),
            first.getNonce(),
            false);
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> programmedIs(ConditionStatus.TRUE, "Programmed", 1));

        // when: a change the scripted proxy rejects, with 20 KiB of error detail
        publish(config("v2"));
        DiscoveryResponse second = held.next();
        held.nack(
            scripted(),
            TypeUrls.ROUTE,
            List.of("echo.default"),
            first.getVersionInfo(),
            second.getNonce(),
            "rejected by test: " + "x".repeat(20_000));

        // then: Invalid, with the proxy's error (cut to 1 KiB) and its node id, for generation 2
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> programmedIs(ConditionStatus.FALSE, "Invalid", 2));
        String message = programmed().orElseThrow().message();
        assertThat(message)
            .contains("scripted-1")
            .contains("rejected by test")
            .contains("RouteConfiguration")
            .endsWith("… (cut, 20018 bytes)");
        assertThat(message.getBytes(StandardCharsets.UTF_8).length)
            .isLessThan(ErrorDetails.MAX_BYTES + 200);

        // when: the next valid change, which it ACKs
        publish(config("v3"));
        DiscoveryResponse third = held.next();
        held.request(
            scripted(),
            TypeUrls.ROUTE,
            List.of("echo.default"),
            third.getVersionInfo(),
            third.getNonce(),
            false);

        // then: True for generation 3
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> programmedIs(ConditionStatus.TRUE, "Programmed", 3));
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
