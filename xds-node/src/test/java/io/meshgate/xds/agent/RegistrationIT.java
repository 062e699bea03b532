package io.meshgate.xds.agent;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.Registration;
import io.meshgate.config.store.StoredValues;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.TypeUrls;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * VMs registered by {@code meshgate register}'s agent through real replicas on a real etcd: the
 * endpoint reaches every replica's EDS with its checked health, leaves at once when the agent
 * stops, within the lease TTL when the agent dies, and survives its node's death by registering
 * through another.
 */
class RegistrationIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  /** Short, so a dead agent's lease runs out within the test; reports come every 2 s. */
  private static final Duration TTL = Duration.ofSeconds(6);

  private static final String CLUSTER = "shop/web";
  private static final List<XdsNode> replicas = new ArrayList<>();
  private static Client client;

  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  static void start() {
    for (int i = 0; i < 2; i++) {
      NodeSettings settings =
          NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "replica-" + i)
              .anyLoopbackPorts()
              .registrationTtl(TTL)
              .build();
      replicas.add(i == 0 ? XdsNode.start(settings) : XdsNode.startServingOnly(settings));
    }
    client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
    publish(
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: web, namespace: shop}
        spec: {workloads: {selector: {matchLabels: {app: web}}, port: http}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: api, namespace: shop}
        spec: {workloads: {selector: {matchLabels: {app: api}}}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Sidecar
        metadata: {name: api, namespace: shop}
        spec: {service: api, inbound: {port: 15006, localPort: 8080}}
        """);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                replicas.stream().allMatch(r -> r.pipeline().builtRevision() > 0 && hasCluster(r)));
  }

  @AfterAll
  static void stop() {
    replicas.forEach(XdsNode::close);
    client.close();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static void publish(String yaml) {
    EventEncoder encoder = EventEncoder.forSource("registration-it");
    List<ConfigEvent> events = new ArrayList<>();
    for (var document : YamlDocuments.read("-", yaml)) {
      events.add(encoder.applied(resource(document.tree()), OptionalLong.empty()));
    }
    try (EventPublisher publisher =
        new EventPublisher(kafka.bootstrapServers(), Duration.ofSeconds(30), Map.of())) {
      publisher.publish(events);
    }
  }

  private static Resource resource(com.fasterxml.jackson.databind.JsonNode tree) {
    return ((Validation.Valid) ResourceValidator.get().validate(tree)).resource();
  }

  private static Resource workload(String name, int port, String check) {
    return resource(
        YamlDocuments.read(
                "-",
                """
                apiVersion: meshgate.io/v1alpha1
                kind: Workload
                metadata: {name: %s, namespace: shop, labels: {app: web}}
                spec:
                  address: 127.0.0.1
                  ports: [{name: http, port: %d}]
                  %s
                """
                    .formatted(name, port, check))
            .get(0)
            .tree());
  }

  private static boolean hasCluster(XdsNode node) {
    return node.snapshots()
        .get("proxyless")
        .map(g -> g.type(TypeUrls.CLUSTER).resources().containsKey(CLUSTER))
        .orElse(false);
  }

  private static Map<String, HealthStatus> eds(XdsNode node) {
    return eds(node, CLUSTER);
  }

  private static boolean noReplicaShows(String endpoint, String cluster) {
    return replicas.stream().noneMatch(r -> eds(r, cluster).containsKey(endpoint));
  }

  /** Each endpoint of a cluster in a replica's EDS, {@code address:port → health}. */
  private static Map<String, HealthStatus> eds(XdsNode node, String cluster) {
    Map<String, HealthStatus> endpoints = new TreeMap<>();
    node.snapshots()
        .get("proxyless")
        .map(g -> g.type(TypeUrls.ENDPOINT).resources().get(cluster))
        .ifPresent(
            r -> {
              try {
                for (var locality :
                    r.resource().unpack(ClusterLoadAssignment.class).getEndpointsList()) {
                  for (LbEndpoint e : locality.getLbEndpointsList()) {
                    var address = e.getEndpoint().getAddress().getSocketAddress();
                    endpoints.put(
                        address.getAddress() + ":" + address.getPortValue(), e.getHealthStatus());
                  }
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    return endpoints;
  }

  private static boolean everyReplicaShows(String endpoint, HealthStatus health) {
    return replicas.stream().allMatch(r -> eds(r).get(endpoint) == health);
  }

  private static boolean noReplicaShows(String endpoint) {
    return replicas.stream().noneMatch(r -> eds(r).containsKey(endpoint));
  }

  private static Optional<Registration> stored(String name) throws Exception {
    var kvs =
        client
            .getKVClient()
            .get(
                ByteSequence.from(
                    Keyspace.registration(new ResourceKey(Kind.WORKLOAD, "shop", name)), UTF_8))
            .get(5, TimeUnit.SECONDS)
            .getKvs();
    return kvs.isEmpty()
        ? Optional.empty()
        : Optional.of(
            StoredValues.registration(
                kvs.get(0).getValue().getBytes(), kvs.get(0).getModRevision()));
  }

  private RegistrationAgent agent(Resource workload, XdsNode... through) {
    List<String> nodes = new ArrayList<>();
    for (XdsNode node : through) {
      nodes.add("127.0.0.1:" + node.xdsAddress().getPort());
    }
    RegistrationAgent agent =
        RegistrationAgent.start(
            new RegistrationAgent.Connection(
                nodes, Optional.empty(), Optional.empty(), Optional.empty()),
            workload);
    closing.add(agent);
    return agent;
  }

  /** An HTTP server whose /health answers the code the test sets. */
  private int healthServer(AtomicInteger code) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/health",
        exchange -> {
          exchange.sendResponseHeaders(code.get(), -1);
          try (OutputStream out = exchange.getResponseBody()) {
            out.flush();
          }
        });
    server.start();
    closing.add(() -> server.stop(0));
    return server.getAddress().getPort();
  }

  @Test
  void aRegisteredVmReachesEveryReplicasEdsWithTheHealthItsCheckReports() throws Exception {
    // given: a VM whose HTTP check passes, checked every 200 ms
    AtomicInteger code = new AtomicInteger(200);
    int port = healthServer(code);
    String endpoint = "127.0.0.1:" + port;

    // when: its agent registers through replica 0
    agent(
        workload(
            "vm-checked",
            port,
            "health: {check: {type: HTTP, path: /health, interval: 200ms, timeout: 1s}}"),
        replicas.get(0));

    // then: both replicas serve it, healthy (no status, as static endpoints)
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> everyReplicaShows(endpoint, HealthStatus.UNKNOWN));

    // when: the check fails, then passes again
    code.set(503);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> everyReplicaShows(endpoint, HealthStatus.UNHEALTHY));
    assertThat(stored("vm-checked")).get().extracting(r -> r.output()).asString().contains("503");
    // and an operator sees it on the admin port
    String debug =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + replicas.get(1).adminAddress().getPort()
                                + "/debug/registrations"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(debug)
        .contains("\"workload\" : \"Workload/shop/vm-checked\"")
        .contains("\"health\" : \"Critical\"")
        .contains("\"node\" : \"replica-0\"");
    code.set(200);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> everyReplicaShows(endpoint, HealthStatus.UNKNOWN));
  }

  @Test
  void anAgentThatStopsDeregistersAtOnceNotAfterTheLease() throws Exception {
    // given: a registered VM
    RegistrationAgent agent = agent(workload("vm-stopping", 9001, ""), replicas.get(0));
    agent.registered().get(15, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> everyReplicaShows("127.0.0.1:9001", HealthStatus.UNKNOWN));

    // when: it stops (SIGTERM ends meshgate register this way)
    agent.close();

    // then: the registration is gone well within the lease: the lease had at least 4 of its 6 s
    // left (reports renew it every 2 s), so only the deregistration can have removed it
    await().atMost(Duration.ofSeconds(3)).until(() -> stored("vm-stopping").isEmpty());
    await().atMost(Duration.ofSeconds(10)).until(() -> noReplicaShows("127.0.0.1:9001"));
  }

  @Test
  void aKilledAgentsEndpointLeavesWithinTheLease() throws Exception {
    // given: a registered VM
    RegistrationAgent agent = agent(workload("vm-killed", 9002, ""), replicas.get(1));
    agent.registered().get(15, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> everyReplicaShows("127.0.0.1:9002", HealthStatus.UNKNOWN));

    // when: the agent dies without a word (kill -9, a VM gone)
    long killed = System.nanoTime();
    agent.abandon();

    // then: its endpoint stays while the lease runs, and leaves when it expires
    assertThat(stored("vm-killed")).isPresent();
    await()
        .atMost(TTL.plusSeconds(10))
        .until(() -> stored("vm-killed").isEmpty() && noReplicaShows("127.0.0.1:9002"));
    assertThat(Duration.ofNanos(System.nanoTime() - killed))
        .as("it left by the lease, not at once")
        .isGreaterThan(Duration.ofSeconds(1));
  }

  @Test
  void anAgentWhoseNodeDiesRegistersThroughAnotherWithoutTheEndpointLeaving() throws Exception {
    // given: a third replica the test kills, and an agent registered through it
    XdsNode doomed =
        XdsNode.startServingOnly(
            NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "replica-doomed")
                .anyLoopbackPorts()
                .registrationTtl(TTL)
                .build());
    closing.add(doomed);
    RegistrationAgent agent = agent(workload("vm-moving", 9003, ""), doomed, replicas.get(0));
    agent.registered().get(15, TimeUnit.SECONDS);
    assertThat(stored("vm-moving"))
        .get()
        .extracting(Registration::node)
        .isEqualTo("replica-doomed");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> everyReplicaShows("127.0.0.1:9003", HealthStatus.UNKNOWN));
    // and a watcher noting every moment replica 0 serves no such endpoint
    List<Long> missing = new CopyOnWriteArrayList<>();
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread watcher =
        new Thread(
            () -> {
              while (watching.get()) {
                if (!eds(replicas.get(0)).containsKey("127.0.0.1:9003")) {
                  missing.add(System.nanoTime());
                }
                Thread.onSpinWait();
              }
            });
    watcher.start();

    // when: its node dies
    doomed.close();

    // then: the agent registers through replica 0, and the endpoint never left
    await()
        .atMost(TTL.plusSeconds(10))
        .until(() -> stored("vm-moving").map(r -> r.node().equals("replica-0")).orElse(false));
    // past the old lease's end too: the key is under the new lease now
    await().pollDelay(TTL).atMost(TTL.plusSeconds(5)).until(() -> stored("vm-moving").isPresent());
    watching.set(false);
    watcher.join();
    assertThat(missing).as("moments replica 0 served no endpoint for the VM").isEmpty();
  }

  @Test
  void aSecondAgentForTheSameWorkloadWaitsUntilTheFirstIsGone() throws Exception {
    // given: one agent holding vm-twice
    RegistrationAgent first = agent(workload("vm-twice", 9004, ""), replicas.get(0));
    String firstInstance = first.instance();
    first.registered().get(15, TimeUnit.SECONDS);

    // when: a second agent (another process, say a cloned VM) registers the same Workload
    RegistrationAgent second = agent(workload("vm-twice", 9004, ""), replicas.get(1));

    // then: it is refused while the first lives, and takes over once the first stops
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> stored("vm-twice").map(r -> r.instance().equals(firstInstance)).orElse(false));
    assertThat(second.registered()).isNotDone();
    first.close();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                stored("vm-twice").map(r -> r.instance().equals(second.instance())).orElse(false));
  }

  @Test
  void aSidecarsOwnStreamRegistersItsInboundEndpointUntilTheStreamIsGoneForTheTtl()
      throws Exception {
    // given: a Sidecar api whose service is Backend api
    String endpoint = "127.0.0.1:15006";
    assertThat(noReplicaShows(endpoint, "shop/api")).isTrue();

    // when: one of its Envoys opens an ADS stream (anonymous here: the xDS port is loopback-only)
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", replicas.get(1).xdsAddress().getPort())
            .usePlaintext()
            .build();
    closing.add(channel::shutdownNow);
    StreamObserver<DeltaDiscoveryRequest> stream =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeltaDiscoveryResponse value) {}

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(
                Node.newBuilder()
                    .setId("api-envoy-1")
                    .setMetadata(
                        Struct.newBuilder()
                            .putFields(
                                ProxyGroups.SIDECAR,
                                Value.newBuilder().setStringValue("shop/api").build())))
            .setTypeUrl(TypeUrls.CLUSTER)
            .build());

    // then: its inbound port at the stream's address is an endpoint of Backend api on every replica
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                replicas.stream()
                    .allMatch(r -> eds(r, "shop/api").get(endpoint) == HealthStatus.UNKNOWN));

    // when: the stream ends; then: the endpoint stays for the grace of the lease, then leaves
    long ended = System.nanoTime();
    stream.onCompleted();
    channel.shutdownNow();
    await().atMost(TTL.plusSeconds(10)).until(() -> noReplicaShows(endpoint, "shop/api"));
    assertThat(Duration.ofNanos(System.nanoTime() - ended))
        .as("a reconnect within the lease would not have lost the endpoint")
        .isGreaterThan(Duration.ofSeconds(2));
  }
}
