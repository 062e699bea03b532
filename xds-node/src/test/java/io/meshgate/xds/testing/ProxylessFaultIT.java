package io.meshgate.xds.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import io.meshgate.testkit.grpc.Tally;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.pipeline.SnapshotBuilder;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.serve.StreamStatus;
import io.meshgate.xds.serve.TypeStatus;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.translate.Cases;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * grpc-java's xDS client accepts what a TrafficPolicy's faultInjection and retry translate to for
 * proxyless clients — the {@code envoy.filters.http.fault} filter on the listener, an HTTPFault in
 * the route's {@code typed_per_filter_config}, a {@code retry_policy} — and injects the faults:
 * resources YAML → SnapshotBuilder → our ADS server → grpc-xds → echo servers.
 *
 * <p>grpc-java's FaultFilter is a client interceptor that the channel's config selector puts in
 * front of the real call: an abort is a {@code FailingClientCall} that never reaches a transport,
 * and a delay holds the call back before it is started. Retries live below it, in the real call's
 * {@code RetriableStream}, so an injected abort is never retried, whatever the route's retry policy
 * says (grpc-java's {@code FaultFilter}, {@code ManagedChannelImpl.ConfigSelectingClientCall}).
 */
class ProxylessFaultIT {
  @RegisterExtension static EchoServers echo = EchoServers.named("half", "denied", "slow");

  private static final SnapshotStore store = new SnapshotStore();
  private static AdsService adsService;
  private static Server ads;
  private static GrpcXdsClient client;

  @BeforeAll
  static void serve() throws Exception {
    adsService = new AdsService(store);
    ads =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(adsService)
            .build()
            .start();
    SnapshotBuilder.Build build = new SnapshotBuilder().build(Inputs.withoutKeys(config()));
    assertThat(build.resolved().problems()).as("the config translates whole").isEmpty();
    store.replaceAll(build.snapshots());
    client =
        GrpcXdsClient.connectTo(
                new InetSocketAddress(
                    InetAddress.getLoopbackAddress(),
                    ((InetSocketAddress) ads.getListenSockets().get(0)).getPort()))
            .nodeId("fault")
            .nodeCluster("proxyless")
            .locality("", "z1")
            .metadata("meshgate.io/proxyless", "true")
            .build();
  }

  @AfterAll
  static void stop() {
    client.close();
    ads.shutdownNow();
  }

  /** One Backend, GRPCRoute and TrafficPolicy per echo server, with the servers' real ports. */
  private static ConfigSnapshot config() {
    String yaml =
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: half}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: HALF, zone: z1}]}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: denied}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: DENIED, zone: z1}]}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: slow}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: SLOW, zone: z1}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: half}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: half}]
          rules: [{backendRefs: [{name: half}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: denied}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: denied}]
          rules: [{backendRefs: [{name: denied}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: slow}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: slow}]
          rules: [{backendRefs: [{name: slow}]}]
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: TrafficPolicy
        metadata: {name: half-chaos}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: half}]
          faultInjection:
            abort: {grpcStatus: 14, percentage: 50}
          retry: {attempts: 2, retryOn: [unavailable]}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: TrafficPolicy
        metadata: {name: denied-chaos}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: denied}]
          faultInjection:
            abort: {grpcStatus: 7, percentage: 100}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: TrafficPolicy
        metadata: {name: slow-chaos}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: slow}]
          faultInjection:
            delay: {fixedDelay: 300ms, percentage: 100}
        """
            .replace("HALF", Integer.toString(echo.address("half").getPort()))
            .replace("DENIED", Integer.toString(echo.address("denied").getPort()))
            .replace("SLOW", Integer.toString(echo.address("slow").getPort()));
    return Cases.snapshot(yaml);
  }

  @Test
  void anAbortOfHalfTheCallsFailsAboutHalfWithItsStatusAndIsNotRetried() {
    // given: 50 % of calls aborted with UNAVAILABLE (14), and 2 retries on unavailable
    ManagedChannel channel = client.channel("half.default");
    int servedBefore = echo.served("half");

    // when
    Tally tally = EchoServers.tally(channel, 400);

    // then: each call is aborted with p = 0.5: sd = sqrt(400 * 0.5 * 0.5) = 10, and ±5 sd = ±50
    // around 200 (a false alarm about once in 1.7 million runs). Were the injected aborts retried
    // like a backend's UNAVAILABLE, a call would fail only if all 3 attempts were aborted:
    // p = 0.125, about 50 of 400, far below the bound.
    int aborted = tally.failedWith(Status.Code.UNAVAILABLE);
    assertThat(tally.total()).isEqualTo(400);
    assertThat(tally.answeredBy("half") + aborted).as("no other outcome: %s", tally).isEqualTo(400);
    assertThat(aborted).as("aborted share of 400: %s", tally).isBetween(200 - 50, 200 + 50);
    // and: every call that was not aborted reached the backend, and no aborted one (nor a retry
    // of one) did: the backend served exactly the answered calls
    assertThat(echo.served("half") - servedBefore).isEqualTo(tally.answeredBy("half"));
    // and: the failures are the injected ones, not a transport's
    assertThat(firstFailure(channel, 64).getStatus())
        .satisfies(s -> assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE))
        .satisfies(s -> assertThat(s.getDescription()).contains("fault injection"));
  }

  @Test
  void aFullAbortFailsEveryCallWithItsStatusAndNoneReachesTheBackend() {
    // given: every call aborted with PERMISSION_DENIED (7)
    ManagedChannel channel = client.channel("denied.default");

    // when
    Tally tally = EchoServers.tally(channel, 50);
    StatusRuntimeException one =
        catchThrowableOfType(StatusRuntimeException.class, () -> EchoServers.identify(channel));

    // then: all 51 fail with the configured status, said to be injected, and the backend saw none
    assertThat(tally.failedWith(Status.Code.PERMISSION_DENIED)).as("%s", tally).isEqualTo(50);
    assertThat(one).as("the 51st call fails").isNotNull();
    assertThat(one.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    // grpc-java says: "RPC terminated due to fault injection"
    assertThat(one.getStatus().getDescription()).contains("fault injection");
    assertThat(echo.served("denied")).isZero();
  }

  @Test
  void aFixedDelayHoldsEveryCallAtLeastThatLong() {
    // given: every call delayed by 300 ms; a first call, untimed, resolves the channel
    ManagedChannel channel = client.channel("slow.default");
    assertThat(EchoServers.identify(channel)).isEqualTo("slow");
    int servedBefore = echo.served("slow");

    // when: five calls, one at a time
    List<Duration> took = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      assertThat(EchoServers.identify(channel)).isEqualTo("slow");
      took.add(Duration.ofNanos(System.nanoTime() - start));
    }

    // then: each took the delay at least (a lower bound on behaviour, not a performance gate;
    // without the fault a loopback call takes a few milliseconds), and each reached the backend
    assertThat(took).allSatisfy(d -> assertThat(d).isGreaterThanOrEqualTo(Duration.ofMillis(300)));
    assertThat(echo.served("slow") - servedBefore).isEqualTo(5);
  }

  @Test
  void theClientAcksTheFaultAndRetryConfigWithoutANack() {
    // given: a channel per faulty route, each with its own ADS stream
    List<String> targets = List.of("half.default", "denied.default", "slow.default");

    // when: each leaves idle, which resolves its target (listener, route, cluster, endpoints)
    // without a call
    for (String target : targets) {
      client.channel(target).getState(true);
    }

    // then: every stream of this node ACKed the last version of each type it was sent, listener,
    // route, cluster and endpoints among them, and NACKed none
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              List<StreamStatus> streams =
                  adsService.streams().stream().filter(s -> s.nodeId().equals("fault")).toList();
              assertThat(streams).hasSizeGreaterThanOrEqualTo(targets.size());
              assertThat(streams)
                  .allSatisfy(
                      stream -> {
                        assertThat(stream.group()).isEqualTo("proxyless");
                        assertThat(stream.types())
                            .extracting(TypeStatus::typeUrl)
                            .contains(
                                TypeUrls.LISTENER,
                                TypeUrls.ROUTE,
                                TypeUrls.CLUSTER,
                                TypeUrls.ENDPOINT);
                        assertThat(stream.types())
                            .allSatisfy(
                                type -> {
                                  assertThat(type.nackedVersion()).as("%s", type).isNull();
                                  assertThat(type.sentVersion()).as("%s", type).isNotNull();
                                  assertThat(type.ackedVersion())
                                      .as("%s", type)
                                      .isEqualTo(type.sentVersion());
                                });
                      });
            });
  }

  /** Calls one at a time until one fails; with half aborted, 64 all passing is a 2^-64 chance. */
  private static StatusRuntimeException firstFailure(ManagedChannel channel, int tries) {
    for (int i = 0; i < tries; i++) {
      try {
        EchoServers.identify(channel);
      } catch (StatusRuntimeException e) {
        return e;
      }
    }
    throw new AssertionError("no call of " + tries + " failed");
  }
}
