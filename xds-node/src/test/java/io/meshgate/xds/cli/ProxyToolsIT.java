package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ConfigStatus;
import io.envoyproxy.envoy.type.matcher.v3.NodeMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.seal.SealKeyPair;
import io.meshgate.config.seal.Sealer;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import io.meshgate.xds.security.TokenIssuer;
import io.meshgate.xds.security.TokenKeys;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.testing.PublishedYaml;
import io.meshgate.xds.translate.Cases;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * proxy-status, proxy-config and CSDS against real replicas on one etcd: grpc-java's xDS client on
 * replica A, an ADS client that NACKs its route on replica B, a Gateway proxy holding a sealed
 * certificate on replica D (which holds the seal key), and a replica C whose advertised admin
 * address answers nothing.
 */
class ProxyToolsIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);
  @RegisterExtension static EchoServers echo = EchoServers.named("echo");

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String RUN = Long.toString(System.nanoTime(), 36);
  private static XdsNode a;
  private static XdsNode b;

  @BeforeAll
  static void startReplicas() {
    a =
        XdsNode.start(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "a-" + RUN)
                .anyLoopbackPorts()
                .build());
    b =
        XdsNode.startServingOnly(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "b-" + RUN)
                .anyLoopbackPorts()
                .build());
    publish(
        """
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
          rules: [{backendRefs: [{name: echo}]}]
        """
            .replace("PORT", Integer.toString(echo.address("echo").getPort())));
    await()
        .atMost(WAIT)
        .until(
            () -> List.of(a, b).stream().allMatch(r -> r.snapshots().get("proxyless").isPresent()));
  }

  @AfterAll
  static void stopReplicas() {
    b.close();
    a.close();
  }

  private static void publish(String yaml) {
    PublishedYaml.publish(kafka.bootstrapServers(), "proxy-tools-it", yaml);
  }

  private static CliRun cli(String... args) {
    return CliRun.run(
        Map.of("MESHGATE_ETCD", etcd.endpointList(), "MESHGATE_CONNECT_TIMEOUT", "5s"),
        Path.of("/nonexistent/meshgate/config.yaml"),
        args);
  }

  /** A state-of-the-world ADS client that NACKs every route response it gets. */
  private static final class NackingClient implements AutoCloseable {
    final ManagedChannel channel;
    final BlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
    final StreamObserver<DiscoveryRequest> requests;
    final Node node;

    NackingClient(XdsNode replica, String nodeId) {
      this(replica, nodeId, ProxyGroups.PROXYLESS, "true", null);
    }

    /** A client of the group {@code groupKey: groupValue}, with a proxy token when not null. */
    NackingClient(
        XdsNode replica, String nodeId, String groupKey, String groupValue, String token) {
      node =
          Node.newBuilder()
              .setId(nodeId)
              .setMetadata(
                  Struct.newBuilder()
                      .putFields(groupKey, Value.newBuilder().setStringValue(groupValue).build()))
              .build();
      channel = NettyChannelBuilder.forAddress(replica.xdsAddress()).usePlaintext().build();
      var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
      if (token != null) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      requests =
          stub.streamAggregatedResources(
              new StreamObserver<>() {
                @Override
                public void onNext(DiscoveryResponse value) {
                  received.add(value);
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
              });
    }

    /** Asks for the route and NACKs what it is sent. */
    void rejectRoute(String detail) throws InterruptedException {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(TypeUrls.ROUTE)
              .addResourceNames("echo.default")
              .build());
      DiscoveryResponse response = received.poll(20, TimeUnit.SECONDS);
      assertThat(response).as("a route response").isNotNull();
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(TypeUrls.ROUTE)
              .addResourceNames("echo.default")
              .setResponseNonce(response.getNonce())
              .setErrorDetail(Status.newBuilder().setCode(3).setMessage(detail))
              .build());
    }

    /** Asks for a Secret by name and ACKs what it is sent. */
    void ackSecret(String name) throws InterruptedException {
      DiscoveryRequest.Builder ask =
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(TypeUrls.SECRET)
              .addResourceNames(name);
      requests.onNext(ask.build());
      DiscoveryResponse response = received.poll(20, TimeUnit.SECONDS);
      assertThat(response).as("a secret response").isNotNull();
      assertThat(response.getResourcesCount()).isEqualTo(1);
      requests.onNext(
          ask.setVersionInfo(response.getVersionInfo())
              .setResponseNonce(response.getNonce())
              .build());
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }

  private static ClientConfig csds(XdsNode replica, String nodeId) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(replica.adminGrpcAddress().orElseThrow())
            .usePlaintext()
            .build();
    try {
      List<ClientConfig> configs =
          ClientStatusDiscoveryServiceGrpc.newBlockingStub(channel)
              .fetchClientStatus(
                  ClientStatusRequest.newBuilder()
                      .addNodeMatchers(
                          NodeMatcher.newBuilder()
                              .setNodeId(StringMatcher.newBuilder().setExact(nodeId)))
                      .build())
              .getConfigList();
      assertThat(configs).as("CSDS configs of " + nodeId).hasSize(1);
      return configs.get(0);
    } finally {
      channel.shutdownNow();
    }
  }

  private static boolean rowHas(String out, String node, String... cells) {
    return out.lines()
        .filter(l -> l.startsWith(node + " "))
        .anyMatch(l -> List.of(l.trim().split("\\s{2,}")).containsAll(List.of(cells)));
  }

  @Test
  void proxyStatusCsdsAndProxyConfigShowProxiesOnBothReplicasIncludingANackingOne()
      throws Exception {
    try (GrpcXdsClient grpc =
            GrpcXdsClient.connectTo(new InetSocketAddress("127.0.0.1", a.xdsAddress().getPort()))
                .nodeId("grpc-" + RUN)
                .nodeCluster("proxyless")
                .locality("", "z1")
                .metadata(ProxyGroups.PROXYLESS, "true")
                .build();
        NackingClient nacking = new NackingClient(b, "nacking-" + RUN)) {
      // given: a gRPC client that called through its config on A, and a client that NACKed its
      // route on B
      assertThat(EchoServers.identify(grpc.channel("echo.default"))).isEqualTo("echo");
      nacking.rejectRoute("route echo.default: unsupported field (test)");

      // when / then: proxy-status has a row for each, with their states
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                CliRun run = cli("proxy-status");
                assertThat(run.exit()).as(run.err()).isZero();
                assertThat(run.out())
                    .startsWith("NODE")
                    .contains("LDS", "RDS", "CDS", "EDS", "SDS", "VERSION", "LAST ACK");
                assertThat(rowHas(run.out(), "grpc-" + RUN, "proxyless", "a-" + RUN, "SYNCED"))
                    .as(run.out())
                    .isTrue();
                assertThat(
                        run.out()
                            .lines()
                            .filter(l -> l.startsWith("grpc-" + RUN))
                            .findFirst()
                            .orElseThrow())
                    .doesNotContain("STALE", "NACKED");
                assertThat(rowHas(run.out(), "nacking-" + RUN, "b-" + RUN, "NACKED"))
                    .as(run.out())
                    .isTrue();
              });

      // and -o json says the same, per type
      CliRun json = cli("proxy-status", "-o", "json");
      assertThat(json.exit()).isZero();
      JsonNode proxies = Mappers.json().readTree(json.out()).path("proxies");
      assertThat(proxies.findValuesAsText("node")).contains("grpc-" + RUN, "nacking-" + RUN);

      // and CSDS at A: the gRPC client's types ACKED and SYNCED at the versions A holds
      GroupSnapshot held = a.snapshots().get("proxyless").orElseThrow();
      ClientConfig grpcConfig = csds(a, "grpc-" + RUN);
      assertThat(grpcConfig.getGenericXdsConfigsList())
          .extracting(ClientConfig.GenericXdsConfig::getTypeUrl)
          .contains(TypeUrls.LISTENER, TypeUrls.ROUTE, TypeUrls.CLUSTER, TypeUrls.ENDPOINT);
      for (ClientConfig.GenericXdsConfig config : grpcConfig.getGenericXdsConfigsList()) {
        assertThat(config.getConfigStatus()).as(config.getName()).isEqualTo(ConfigStatus.SYNCED);
        assertThat(config.getClientStatus()).isEqualTo(ClientResourceStatus.ACKED);
        assertThat(config.getVersionInfo()).isEqualTo(held.type(config.getTypeUrl()).version());
        assertThat(config.getXdsConfig())
            .isEqualTo(held.type(config.getTypeUrl()).resources().get(config.getName()).resource());
      }

      // and CSDS at B: the NACKed route, an ERROR with the client's detail
      ClientConfig.GenericXdsConfig route =
          csds(b, "nacking-" + RUN).getGenericXdsConfigsList().stream()
              .filter(c -> c.getName().equals("echo.default"))
              .findFirst()
              .orElseThrow();
      assertThat(route.getConfigStatus()).isEqualTo(ConfigStatus.ERROR);
      assertThat(route.getClientStatus()).isEqualTo(ClientResourceStatus.NACKED);
      assertThat(route.getErrorState().getDetails()).contains("unsupported field (test)");

      // and proxy-config: what the gRPC client was sent, each resource with its sources
      CliRun config = cli("proxy-config", "grpc-" + RUN, "-o", "json");
      assertThat(config.exit()).as(config.err()).isZero();
      JsonNode stream = Mappers.json().readTree(config.out()).path("streams").get(0);
      assertThat(stream.path("replica").asText()).isEqualTo("a-" + RUN);
      JsonNode routes = stream.path("routes").path("resources");
      assertThat(routes.findValuesAsText("name")).contains("echo.default");
      assertThat(routes.get(0).path("from").toString())
          .contains("GRPCRoute default/greet (generation 1)");
      assertThat(stream.path("clusters").path("resources").get(0).path("from").toString())
          .contains("Backend default/echo (generation 1)");
      CliRun onlyClusters = cli("proxy-config", "grpc-" + RUN, "clusters");
      assertThat(onlyClusters.exit()).isZero();
      assertThat(onlyClusters.out()).contains("clusters:").doesNotContain("routes:");

      // and a node connected nowhere: one line, exit 1
      CliRun nowhere = cli("proxy-config", "nobody-" + RUN);
      assertThat(nowhere.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
      assertThat(nowhere.err().strip())
          .startsWith("meshgate: node nobody-" + RUN + " is not connected to any replica")
          .doesNotContain("\n");
    }
  }

  @Test
  void proxyConfigShowsASecretAGatewayHoldsAsItsFingerprintNeverItsKey() throws Exception {
    // given: replica D holds the test seal key, a Gateway terminates TLS with a sealed Secret, and
    // a proxy of that Gateway (a proxy token: Secrets go only to streams with a credential) holds
    // the Secret
    Path keys = Path.of(Cases.TEST_KEYS);
    publish(
        Files.readString(keys.resolve("edge.example.com.sealed.yaml"))
            + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge}
            spec:
              listeners:
                - name: edge
                  port: 443
                  protocol: HTTPS
                  hostname: edge.example.com
                  tls: {certificateRefs: [{name: edge.example.com}]}
            """);
    XdsNode d =
        XdsNode.startServingOnly(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "d-" + RUN)
                .anyLoopbackPorts()
                .sealKey(keys.resolve("seal.key"))
                .build());
    SealKeyPair seal = SealKeyPair.generate();
    TokenKeys tokenKeys = new TokenKeys(etcd.client(), Clock.systemUTC());
    tokenKeys.create(new Sealer(seal.publicKey()));
    String token =
        new TokenIssuer(
                tokenKeys.currentSigningKey(new Unsealer(seal.privateKey())).orElseThrow(),
                Clock.systemUTC())
            .create("gateway/default/edge", Optional.of("edge-"), Duration.ofMinutes(10));
    String secret = "secret/default/edge.example.com";
    try (NackingClient edge =
        new NackingClient(d, "edge-" + RUN, ProxyGroups.GATEWAY, "default/edge", token)) {
      await()
          .atMost(WAIT)
          .until(
              () ->
                  d.snapshots()
                      .get("gateway/default/edge")
                      .map(g -> g.type(TypeUrls.SECRET).resources().containsKey(secret))
                      .orElse(false));
      edge.ackSecret(secret);

      // when
      CliRun run = cli("proxy-config", "edge-" + RUN, "secrets");

      // then: the Secret's name, what it holds, its fingerprint and where it came from; no key
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out())
          .contains(secret)
          .contains("tlsCertificate")
          .contains("fingerprint:")
          .contains("Secret default/edge.example.com")
          .contains("Gateway default/edge (generation")
          .doesNotContain("PRIVATE KEY")
          .doesNotContain("BEGIN CERTIFICATE");
      for (String line : Files.readAllLines(keys.resolve("edge.example.com.key"))) {
        if (!line.startsWith("-----") && !line.isBlank()) {
          assertThat(run.out()).doesNotContain(line);
        }
      }

      // and CSDS shows the Secret SYNCED as a Secret holding only its name
      ClientConfig.GenericXdsConfig held =
          csds(d, "edge-" + RUN).getGenericXdsConfigsList().stream()
              .filter(c -> c.getName().equals(secret))
              .findFirst()
              .orElseThrow();
      assertThat(held.getConfigStatus()).isEqualTo(ConfigStatus.SYNCED);
      assertThat(held.getXdsConfig().unpack(Secret.class))
          .isEqualTo(Secret.newBuilder().setName(secret).build());
    } finally {
      d.close();
    }
  }

  @Test
  void aReplicaWhoseAdminDoesNotAnswerIsNamedAndItsProxiesComeFromItsAckSummary() throws Exception {
    // given: replica C advertises an admin address where nothing listens
    XdsNode c =
        XdsNode.startServingOnly(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "c-" + RUN)
                .anyLoopbackPorts()
                .adminAdvertise("127.0.0.1:1")
                .build());
    try (NackingClient onC = new NackingClient(c, "on-c-" + RUN)) {
      await().atMost(WAIT).until(() -> c.snapshots().get("proxyless").isPresent());
      onC.rejectRoute("rejected on C (test)");

      // when / then: one line naming C and its address, its proxy from the summary, exit 1
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                CliRun run = cli("proxy-status");
                assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
                assertThat(run.err())
                    .contains("cannot reach replica c-" + RUN + "'s admin at 127.0.0.1:1");
                assertThat(run.err().lines().count()).isEqualTo(1);
                assertThat(rowHas(run.out(), "on-c-" + RUN, "c-" + RUN + "*", "NACKED"))
                    .as(run.out())
                    .isTrue();
              });
    } finally {
      c.close();
    }
  }
}
