package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.envoyproxy.envoy.service.status.v3.ConfigStatus;
import io.envoyproxy.envoy.type.matcher.v3.NodeMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.serve.SimulatedProxy.Answer;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What CSDS and /debug/proxies say of streams driven through the ADS service in-process: a proxy
 * that ACKed its clusters and NACKed its route, another that only asked.
 */
class ClientStatusServiceTest {
  private static final String GROUP = "gateway/default/edge";
  private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

  private final GroupConfig config = new GroupConfig();
  private final SnapshotStore store = new SnapshotStore();
  private AdsService ads;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    config
        .set(GROUP, TypeUrls.CLUSTER, "c1", "a")
        .set(GROUP, TypeUrls.CLUSTER, "c2", "a")
        .set(GROUP, TypeUrls.ROUTE, "r1", "a")
        .publishTo(store);
    ads =
        new AdsService(
            store,
            Authorizer.anonymousAllowed(),
            new StreamAdmission(StreamAdmission.DEFAULT_PER_SECOND),
            new Rejections(),
            Clock.fixed(T0, ZoneOffset.UTC));
    String name = "csds-" + System.nanoTime();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ads)
            .addService(new ClientStatusService(ads::streams, store))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private static Node node(String id) {
    return Node.newBuilder()
        .setId(id)
        .setMetadata(
            Struct.newBuilder()
                .putFields(ProxyGroups.GATEWAY, Value.newBuilder().setStringValue("edge").build()))
        .build();
  }

  /** envoy-1 ACKs its clusters and its route, then NACKs the route's next version. */
  private Answer ackedClustersAndNackedRoute() throws Exception {
    SimulatedProxy proxy = SimulatedProxy.Sotw.open(channel, node("envoy-1"));
    proxy.ask(TypeUrls.CLUSTER);
    proxy.ack(proxy.next());
    proxy.ask(TypeUrls.ROUTE, "r1");
    proxy.ack(proxy.next());
    config.set(GROUP, TypeUrls.ROUTE, "r1", "b").publishTo(store);
    Answer rejected = proxy.next();
    proxy.nack(rejected, "route r1: invalid regex");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> status("envoy-1", TypeUrls.ROUTE).nackedVersion() != null);
    return rejected;
  }

  private TypeStatus status(String node, String typeUrl) {
    return ads.streams().stream()
        .filter(s -> s.nodeId().equals(node))
        .flatMap(s -> s.types().stream())
        .filter(t -> t.typeUrl().equals(typeUrl))
        .findFirst()
        .orElseThrow();
  }

  private static ClientStatusRequest forNode(String id) {
    return ClientStatusRequest.newBuilder()
        .addNodeMatchers(
            NodeMatcher.newBuilder().setNodeId(StringMatcher.newBuilder().setExact(id)))
        .build();
  }

  private static ClientConfig.GenericXdsConfig resource(ClientConfig config, String name) {
    return config.getGenericXdsConfigsList().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void anAckedTypeIsSyncedWithTheReplicasVersionAndANackedResourceIsAnErrorWithTheDetail()
      throws Exception {
    // given
    Answer rejected = ackedClustersAndNackedRoute();

    // when
    ClientStatusResponse response =
        ClientStatusDiscoveryServiceGrpc.newBlockingStub(channel)
            .fetchClientStatus(forNode("envoy-1"));

    // then: one client, its clusters ACKED and SYNCED at the group's version, with contents
    assertThat(response.getConfigList()).hasSize(1);
    ClientConfig client = response.getConfig(0);
    assertThat(client.getNode().getId()).isEqualTo("envoy-1");
    String clusters = store.get(GROUP).orElseThrow().type(TypeUrls.CLUSTER).version();
    ClientConfig.GenericXdsConfig c1 = resource(client, "c1");
    assertThat(c1.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
    assertThat(c1.getConfigStatus()).isEqualTo(ConfigStatus.SYNCED);
    assertThat(c1.getClientStatus()).isEqualTo(ClientResourceStatus.ACKED);
    assertThat(c1.getVersionInfo()).isEqualTo(clusters);
    assertThat(c1.getXdsConfig())
        .isEqualTo(
            store.get(GROUP).orElseThrow().type(TypeUrls.CLUSTER).resources().get("c1").resource());
    assertThat(c1.getLastUpdated().getSeconds()).isEqualTo(T0.getEpochSecond());
    assertThat(resource(client, "c2").getConfigStatus()).isEqualTo(ConfigStatus.SYNCED);

    // and its route NACKED, an ERROR with the proxy's detail and the version it rejected
    ClientConfig.GenericXdsConfig r1 = resource(client, "r1");
    assertThat(r1.getConfigStatus()).isEqualTo(ConfigStatus.ERROR);
    assertThat(r1.getClientStatus()).isEqualTo(ClientResourceStatus.NACKED);
    assertThat(r1.getErrorState().getDetails()).isEqualTo("route r1: invalid regex");
    assertThat(r1.getErrorState().getVersionInfo()).isEqualTo(rejected.version());
    assertThat(r1.hasXdsConfig()).isFalse();
  }

  @Test
  void noMatcherAnswersForEveryClientAndExcludedContentsLeaveOutTheResources() throws Exception {
    // given: envoy-1, and envoy-2 that has asked for clusters without answering
    ackedClustersAndNackedRoute();
    SimulatedProxy other = SimulatedProxy.Sotw.open(channel, node("envoy-2"));
    other.ask(TypeUrls.CLUSTER);
    other.next();

    // when
    ClientStatusResponse all =
        ClientStatusDiscoveryServiceGrpc.newBlockingStub(channel)
            .fetchClientStatus(
                ClientStatusRequest.newBuilder().setExcludeResourceContents(true).build());

    // then
    assertThat(all.getConfigList())
        .extracting(c -> c.getNode().getId())
        .containsExactlyInAnyOrder("envoy-1", "envoy-2");
    ClientConfig envoy2 =
        all.getConfigList().stream()
            .filter(c -> c.getNode().getId().equals("envoy-2"))
            .findFirst()
            .orElseThrow();
    assertThat(resource(envoy2, "c1").getConfigStatus()).isEqualTo(ConfigStatus.STALE);
    assertThat(resource(envoy2, "c1").getClientStatus()).isEqualTo(ClientResourceStatus.REQUESTED);
    all.getConfigList()
        .forEach(
            c -> c.getGenericXdsConfigsList().forEach(x -> assertThat(x.hasXdsConfig()).isFalse()));
  }

  @Test
  void theStreamingCallAnswersEachRequestAndAMatcherItCannotHonourIsRefused() throws Exception {
    // given
    ackedClustersAndNackedRoute();
    BlockingQueue<ClientStatusResponse> answers = new LinkedBlockingQueue<>();
    BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    StreamObserver<ClientStatusRequest> requests =
        ClientStatusDiscoveryServiceGrpc.newStub(channel)
            .streamClientStatus(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ClientStatusResponse value) {
                    answers.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    errors.add(t);
                  }

                  @Override
                  public void onCompleted() {}
                });

    // when
    requests.onNext(forNode("envoy-1"));
    requests.onNext(forNode("nobody"));

    // then
    assertThat(answers.poll(5, TimeUnit.SECONDS).getConfigList()).hasSize(1);
    assertThat(answers.poll(5, TimeUnit.SECONDS).getConfigList()).isEmpty();
    requests.onCompleted();

    // and a prefix matcher is refused rather than ignored
    assertThatThrownBy(
            () ->
                ClientStatusDiscoveryServiceGrpc.newBlockingStub(channel)
                    .fetchClientStatus(
                        ClientStatusRequest.newBuilder()
                            .addNodeMatchers(
                                NodeMatcher.newBuilder()
                                    .setNodeId(StringMatcher.newBuilder().setPrefix("envoy")))
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("expected: exact");
            });
    assertThat(errors).isEmpty();
  }

  @Test
  void proxyStatusSaysSyncedNackedAndStalePerTypeWithTheSecondsSinceTheLastAck() throws Exception {
    // given
    ackedClustersAndNackedRoute();
    SimulatedProxy waiting = SimulatedProxy.Sotw.open(channel, node("envoy-3"));
    waiting.ask(TypeUrls.ENDPOINT, "nothing-of-this-name");

    // when
    List<ProxyStatus> proxies =
        ads.streams().stream()
            .map(s -> ProxyStatus.of(s, store.get(s.group()), T0.plusSeconds(42)))
            .toList();

    // then
    ProxyStatus envoy1 =
        proxies.stream().filter(p -> p.node().equals("envoy-1")).findFirst().orElseThrow();
    assertThat(envoy1.group()).isEqualTo(GROUP);
    Map<String, ProxyStatus.TypeState> types = byType(envoy1);
    assertThat(types.get("CDS").state()).isEqualTo(SyncState.SYNCED);
    assertThat(types.get("CDS").version()).isEqualTo(types.get("CDS").currentVersion());
    assertThat(types.get("CDS").sinceAck()).isEqualTo(42L);
    assertThat(types.get("RDS").state()).isEqualTo(SyncState.NACKED);
    assertThat(types.get("RDS").error()).isEqualTo("route r1: invalid regex");
    assertThat(types).doesNotContainKey("LDS");
    ProxyStatus envoy3 =
        proxies.stream().filter(p -> p.node().equals("envoy-3")).findFirst().orElseThrow();
    // a response in flight, not answered yet
    assertThat(byType(envoy3).get("EDS").state()).isEqualTo(SyncState.STALE);
    assertThat(byType(envoy3).get("EDS").sinceAck()).isNull();
  }

  private static Map<String, ProxyStatus.TypeState> byType(ProxyStatus proxy) {
    return proxy.types().stream()
        .collect(Collectors.toMap(ProxyStatus.TypeState::type, t -> t, (a, b) -> a));
  }

  @Test
  void syncStateFollowsTheCurrentVersion() {
    TypeStatus acked = new TypeStatus(TypeUrls.ROUTE, "v2", null, "v2", null, null, 1, "v2", 7);
    TypeStatus inFlight = new TypeStatus(TypeUrls.ROUTE, "v2", "n", "v1", null, null, 2, "v1", 6);
    TypeStatus rejected = new TypeStatus(TypeUrls.ROUTE, "v2", null, "v1", "v2", "bad", 2, "v1", 6);
    TypeStatus nothing = new TypeStatus(TypeUrls.ROUTE, null, null, null, null, null, 0, null, -1);

    assertThat(SyncState.of(acked, "v2")).isEqualTo(SyncState.SYNCED);
    assertThat(SyncState.of(acked, "v3")).isEqualTo(SyncState.STALE);
    assertThat(SyncState.of(inFlight, "v2")).isEqualTo(SyncState.STALE);
    assertThat(SyncState.of(rejected, "v2")).isEqualTo(SyncState.NACKED);
    assertThat(SyncState.of(rejected, "v3")).isEqualTo(SyncState.STALE);
    assertThat(SyncState.of(nothing, "v2")).isEqualTo(SyncState.NOT_SENT);
    assertThat(SyncState.fromLabel("NOT SENT")).isEqualTo(SyncState.NOT_SENT);
  }
}
