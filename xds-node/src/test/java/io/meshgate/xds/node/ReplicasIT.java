package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.testing.PublishedYaml;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three replicas on one etcd, fed through Kafka: identical versions, and a failover without a push.
 */
class ReplicasIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final List<XdsNode> replicas = new ArrayList<>();

  private static final String CONFIG =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: echo}
      spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: 50051, zone: z1}]}}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: echo-v2}
      spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: 50052, zone: z1}]}}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: GRPCRoute
      metadata: {name: split}
      spec:
        parentRefs: [{group: meshgate.io, kind: Backend, name: echo}]
        rules: [{backendRefs: [{name: echo, weight: 80}, {name: echo-v2, weight: 20}]}]
      """;

  @BeforeAll
  static void startReplicas() {
    for (int i = 0; i < 3; i++) {
      NodeSettings settings =
          NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), "replica-" + i)
              .anyLoopbackPorts()
              .build();
      replicas.add(i == 0 ? XdsNode.start(settings) : XdsNode.startServingOnly(settings));
    }
  }

  @AfterAll
  static void stopReplicas() {
    replicas.forEach(XdsNode::close);
  }

  private static void publish(String yaml) {
    PublishedYaml.publish(kafka.bootstrapServers(), "replicas-it", yaml);
  }

  private static Map<String, String> versions(XdsNode node, String group) {
    Map<String, String> versions = new HashMap<>();
    node.snapshots()
        .get(group)
        .ifPresent(s -> TypeUrls.ALL.forEach(t -> versions.put(t, s.type(t).version())));
    return versions;
  }

  private static boolean routeHasWeight(XdsNode node, int weight) {
    return weightOf(node) == weight;
  }

  private static int weightOf(XdsNode node) {
    try {
      GroupSnapshot snapshot = node.snapshots().get("proxyless").orElseThrow();
      return snapshot
          .type(TypeUrls.ROUTE)
          .resources()
          .get("echo.default")
          .resource()
          .unpack(io.envoyproxy.envoy.config.route.v3.RouteConfiguration.class)
          .getVirtualHosts(0)
          .getRoutes(0)
          .getRoute()
          .getWeightedClusters()
          .getClusters(0)
          .getWeight()
          .getValue();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void everyReplicaServesIdenticalVersionsAndAFailoverGetsNoPush() throws Exception {
    // given: config published through Kafka, applied by replica 0, read by all three from etcd
    publish(CONFIG);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> replicas.stream().allMatch(r -> routeHasWeight(r, 80)));

    // then: identical versions on every replica
    Map<String, String> first = versions(replicas.get(0), "proxyless");
    assertThat(first).hasSize(TypeUrls.ALL.size());
    for (XdsNode replica : replicas) {
      assertThat(versions(replica, "proxyless")).isEqualTo(first);
    }

    // and a delta client moving from replica 0 to replica 1 receives nothing it already has
    Map<String, String> held = new HashMap<>();
    try (DeltaClient a = new DeltaClient(replicas.get(0))) {
      a.subscribe(TypeUrls.CLUSTER, Map.of());
      DeltaDiscoveryResponse clusters = a.next();
      clusters.getResourcesList().forEach(r -> held.put(r.getName(), r.getVersion()));
      assertThat(held).containsKeys("default/echo", "default/echo-v2");
    }
    try (DeltaClient b = new DeltaClient(replicas.get(1))) {
      b.subscribe(TypeUrls.CLUSTER, held);
      assertThat(b.received.poll(500, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void aBurstOfEventsEndsInTheFinalStateOnEveryReplica() throws Exception {
    // when: 500 updates of the split in a burst
    publish(CONFIG);
    StringBuilder burst = new StringBuilder();
    for (int i = 1; i <= 500; i++) {
      int weight = i == 500 ? 33 : 1 + (i % 90);
      burst
          .append("---\n")
          .append(
              CONFIG
                  .substring(CONFIG.indexOf("apiVersion: gateway"))
                  .replace("weight: 80", "weight: " + weight));
    }
    publish(burst.toString());

    // then: every replica ends at the last update
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> replicas.stream().allMatch(r -> weightOf(r) == 33));
    Map<String, String> first = versions(replicas.get(0), "proxyless");
    replicas.forEach(r -> assertThat(versions(r, "proxyless")).isEqualTo(first));
    assertThat(replicas.get(1).pipeline().rebuilds()).as("the burst coalesced").isLessThan(500);
  }

  /** A minimal delta ADS client over a real connection. */
  private static final class DeltaClient
      implements StreamObserver<DeltaDiscoveryResponse>, AutoCloseable {
    final BlockingQueue<DeltaDiscoveryResponse> received = new LinkedBlockingQueue<>();
    private final ManagedChannel channel;
    private final StreamObserver<DeltaDiscoveryRequest> requests;

    DeltaClient(XdsNode replica) {
      channel = NettyChannelBuilder.forAddress(replica.xdsAddress()).usePlaintext().build();
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(this);
    }

    void subscribe(String typeUrl, Map<String, String> initialVersions) {
      Node node =
          Node.newBuilder()
              .setId("client")
              .setMetadata(
                  Struct.newBuilder()
                      .putFields(
                          ProxyGroups.PROXYLESS, Value.newBuilder().setStringValue("true").build()))
              .build();
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .putAllInitialResourceVersions(initialVersions)
              .build());
    }

    DeltaDiscoveryResponse next() throws InterruptedException {
      DeltaDiscoveryResponse response = received.poll(10, TimeUnit.SECONDS);
      assertThat(response).isNotNull();
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

    @Override
    public void close() {
      requests.onCompleted();
      channel.shutdownNow();
    }
  }
}
