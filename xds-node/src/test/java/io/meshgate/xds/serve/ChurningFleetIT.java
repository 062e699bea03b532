package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A few hundred real grpc-java ADS streams (plain stubs, SotW and delta, over netty on loopback), a
 * third of which cancel and reconnect at random while 20 changes are published. Every stream that
 * stayed ends holding the final version, every reconnected one converges, and the replica's
 * registry holds exactly the open streams. The order of cancels is drawn from a seeded Random; the
 * seed is printed, and {@code -Dchurn.seed=N} replays it.
 */
class ChurningFleetIT {
  private static final int STREAMS = 300;
  private static final int CHANNELS = 4;
  private static final int CHANGES = 20;
  private static final int GROUPS = 3;
  private static final List<String> NAMES = List.of("c0", "c1", "c2", "c3", "c4");

  private final SnapshotStore store = new SnapshotStore();
  private final GroupConfig config = new GroupConfig();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final AtomicLong responses = new AtomicLong();
  private AdsService ads;
  private Server server;
  private Level serveLevel;

  @BeforeEach
  void start() throws Exception {
    // Hundreds of streams opening and closing: keep the per-stream log lines out of the output.
    ch.qos.logback.classic.Logger serve =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.meshgate.xds.serve");
    serveLevel = serve.getLevel();
    serve.setLevel(Level.WARN);
    for (int g = 0; g < GROUPS; g++) {
      for (String name : NAMES) {
        config.set(group(g), TypeUrls.CLUSTER, name, "s0");
        config.set(group(g), TypeUrls.ENDPOINT, name, "s0");
      }
    }
    config.publishTo(store);
    ads = new AdsService(store, Authorizer.anonymousAllowed(), new StreamAdmission(1_000_000));
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ads)
            .build()
            .start();
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    for (int i = 0; i < CHANNELS; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }
  }

  @AfterEach
  void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.meshgate.xds.serve"))
        .setLevel(serveLevel);
  }

  private static String group(int g) {
    return "gateway/default/g" + g;
  }

  @Test
  void everyStreamEndsHoldingTheFinalVersionThoughAThirdKeepReconnecting() throws Exception {
    // given
    long seed = Long.getLong("churn.seed", System.nanoTime());
    System.out.println("ChurningFleetIT seed=" + seed + " (rerun with -Dchurn.seed=" + seed + ")");
    Random random = new Random(seed);
    long started = System.nanoTime();
    List<Proxy> proxies = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      Proxy proxy = i % 2 == 0 ? new SotwProxy(i) : new DeltaProxy(i);
      proxy.connect(channels.get(i % CHANNELS));
      proxies.add(proxy);
    }
    List<Proxy> flaky =
        IntStream.range(0, STREAMS).filter(i -> i % 3 == 0).mapToObj(proxies::get).toList();
    List<Proxy> steady =
        IntStream.range(0, STREAMS).filter(i -> i % 3 != 0).mapToObj(proxies::get).toList();
    awaitHoldingCurrent(steady);

    // when: 20 changes; while each is pushed, another thread cancels flaky streams at random,
    // reconnecting each at once or at a later turn
    Semaphore turns = new Semaphore(0);
    AtomicInteger cancels = new AtomicInteger();
    Thread churn =
        new Thread(
            () -> {
              for (int step = 1; step <= CHANGES; step++) {
                turns.acquireUninterruptibly();
                for (int action = 0; action < flaky.size() / 3; action++) {
                  Proxy proxy = flaky.get(random.nextInt(flaky.size()));
                  if (proxy.down) {
                    proxy.connect(channels.get(random.nextInt(CHANNELS)));
                  } else {
                    proxy.cancel();
                    cancels.incrementAndGet();
                    if (random.nextBoolean()) {
                      proxy.connect(channels.get(random.nextInt(CHANNELS)));
                    }
                  }
                }
              }
            },
            "churn");
    churn.start();
    for (int step = 1; step <= CHANGES; step++) {
      for (int g = 0; g < GROUPS; g++) {
        config.set(group(g), TypeUrls.ENDPOINT, NAMES.get(step % NAMES.size()), "s" + step);
        if (step % 4 == 0) {
          config.set(group(g), TypeUrls.CLUSTER, NAMES.get(step % 3), "s" + step);
        }
      }
      turns.release();
      config.publishTo(store);
      awaitHoldingCurrent(steady);
    }
    churn.join();
    for (Proxy proxy : flaky) {
      if (proxy.down) {
        proxy.connect(channels.get(random.nextInt(CHANNELS)));
      }
    }

    // then: every stream converges, and the registry holds exactly the open ones
    awaitHoldingCurrent(proxies);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(ads.streams()).hasSize(STREAMS));
    List<Proxy> neverDisconnected = proxies.stream().filter(p -> p.connections == 1).toList();
    assertThat(neverDisconnected).hasSizeGreaterThanOrEqualTo(steady.size());
    // each change reached each steady proxy: one endpoint push per change at least
    assertThat(steady).allMatch(p -> p.endpointResponses >= CHANGES);
    System.out.printf(
        "ChurningFleetIT: %d streams over %d channels (%d never disconnected, %d flaky), %d changes,"
            + " %d cancels and reconnects, %d responses, %d ms%n",
        STREAMS,
        CHANNELS,
        neverDisconnected.size(),
        flaky.size(),
        CHANGES,
        cancels.get(),
        responses.get(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private static void awaitHoldingCurrent(List<Proxy> proxies) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () ->
                assertThat(proxies)
                    .filteredOn(p -> !p.holdsCurrent())
                    .extracting(p -> p.nodeId)
                    .isEmpty());
  }

  private static Node node(String id, int g) {
    return Node.newBuilder()
        .setId(id)
        .setMetadata(
            Struct.newBuilder()
                .putFields(ProxyGroups.GATEWAY, Value.newBuilder().setStringValue("g" + g).build()))
        .build();
  }

  /**
   * A proxy that ACKs everything at once, from gRPC's thread, and reconnects saying what it holds.
   */
  private abstract class Proxy {
    final String nodeId;
    final int group;
    final Node node;
    volatile boolean down;

    /** Streams opened so far; the newest is the current one. Guarded by the proxy's lock. */
    int connections;

    /** Endpoint responses taken on the current stream or earlier ones. */
    volatile int endpointResponses;

    Proxy(int index) {
      this.nodeId = "proxy-" + index;
      this.group = index % GROUPS;
      this.node = node(nodeId, group);
    }

    abstract void connect(ManagedChannel channel);

    abstract void cancel();

    /** Holds every resource of both types as the store serves them now. */
    abstract boolean holdsCurrent();

    GroupSnapshot current() {
      return store.get(group(group)).orElseThrow();
    }

    <Q, R> ClientResponseObserver<Q, R> observer(
        java.util.function.Consumer<ClientCallStreamObserver<Q>> started,
        java.util.function.Consumer<R> received) {
      return new ClientResponseObserver<>() {
        @Override
        public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
          started.accept(requestStream);
        }

        @Override
        public void onNext(R value) {
          responses.incrementAndGet();
          received.accept(value);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
  }

  /** State of the world: every cluster (wildcard), the endpoints of every cluster by name. */
  private final class SotwProxy extends Proxy {
    private final Map<String, String> acked = new HashMap<>();
    private final Map<String, Map<String, String>> tags = new HashMap<>();
    private ClientCallStreamObserver<DiscoveryRequest> requests;

    SotwProxy(int index) {
      super(index);
    }

    @Override
    synchronized void connect(ManagedChannel channel) {
      down = false;
      int connection = ++connections;
      AggregatedDiscoveryServiceGrpc.newStub(channel)
          .streamAggregatedResources(
              this.<DiscoveryRequest, DiscoveryResponse>observer(
                  call -> requests = call, r -> received(connection, r)));
      request(TypeUrls.CLUSTER, List.of(), acked.getOrDefault(TypeUrls.CLUSTER, ""), "");
      request(TypeUrls.ENDPOINT, NAMES, acked.getOrDefault(TypeUrls.ENDPOINT, ""), "");
    }

    private synchronized void received(int connection, DiscoveryResponse response) {
      if (connection != connections) {
        return; // a late response on a stream it cancelled
      }
      if (response.getTypeUrl().equals(TypeUrls.ENDPOINT)) {
        endpointResponses++;
      }
      Map<String, String> held = tags.computeIfAbsent(response.getTypeUrl(), t -> new HashMap<>());
      if (response.getTypeUrl().equals(TypeUrls.CLUSTER)) {
        held.clear();
      }
      response.getResourcesList().forEach(a -> held.put(GroupConfig.name(a), GroupConfig.tag(a)));
      acked.put(response.getTypeUrl(), response.getVersionInfo());
      request(
          response.getTypeUrl(),
          response.getTypeUrl().equals(TypeUrls.CLUSTER) ? List.of() : NAMES,
          response.getVersionInfo(),
          response.getNonce());
    }

    private void request(String typeUrl, List<String> names, String version, String nonce) {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .addAllResourceNames(names)
              .setVersionInfo(version)
              .setResponseNonce(nonce)
              .build());
    }

    @Override
    synchronized void cancel() {
      down = true;
      requests.cancel("churn", null);
    }

    @Override
    synchronized boolean holdsCurrent() {
      return !down
          && List.of(TypeUrls.CLUSTER, TypeUrls.ENDPOINT).stream()
              .allMatch(
                  type ->
                      current().type(type).version().equals(acked.get(type))
                          && config.tags(group(group), type).equals(tags.get(type)));
    }
  }

  /** Delta: every cluster (wildcard), the endpoints of every cluster by name. */
  private final class DeltaProxy extends Proxy {
    private final Map<String, Map<String, String>> versions = new HashMap<>();
    private ClientCallStreamObserver<DeltaDiscoveryRequest> requests;

    DeltaProxy(int index) {
      super(index);
    }

    @Override
    synchronized void connect(ManagedChannel channel) {
      down = false;
      int connection = ++connections;
      AggregatedDiscoveryServiceGrpc.newStub(channel)
          .deltaAggregatedResources(
              this.<DeltaDiscoveryRequest, DeltaDiscoveryResponse>observer(
                  call -> requests = call, r -> received(connection, r)));
      requests.onNext(first(TypeUrls.CLUSTER, List.of()));
      requests.onNext(first(TypeUrls.ENDPOINT, NAMES));
    }

    private DeltaDiscoveryRequest first(String typeUrl, List<String> names) {
      return DeltaDiscoveryRequest.newBuilder()
          .setNode(node)
          .setTypeUrl(typeUrl)
          .addAllResourceNamesSubscribe(names)
          .putAllInitialResourceVersions(versions.getOrDefault(typeUrl, Map.of()))
          .build();
    }

    private synchronized void received(int connection, DeltaDiscoveryResponse response) {
      if (connection != connections) {
        return; // a late response on a stream it cancelled
      }
      if (response.getTypeUrl().equals(TypeUrls.ENDPOINT)) {
        endpointResponses++;
      }
      Map<String, String> held =
          versions.computeIfAbsent(response.getTypeUrl(), t -> new HashMap<>());
      for (Resource resource : response.getResourcesList()) {
        held.put(resource.getName(), resource.getVersion());
      }
      response.getRemovedResourcesList().forEach(held::remove);
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce())
              .build());
    }

    @Override
    synchronized void cancel() {
      down = true;
      requests.cancel("churn", null);
    }

    @Override
    synchronized boolean holdsCurrent() {
      if (down) {
        return false;
      }
      for (String type : List.of(TypeUrls.CLUSTER, TypeUrls.ENDPOINT)) {
        Map<String, String> served = new HashMap<>();
        for (VersionedResource resource : current().type(type).resources().values()) {
          served.put(resource.name(), resource.version());
        }
        if (!served.equals(versions.get(type))) {
          return false;
        }
      }
      return true;
    }
  }
}
