package io.meshgate.xds.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import io.meshgate.testkit.grpc.Tally;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.translate.Cases;
import io.meshgate.xds.translate.TestConfigs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * grpc-java's xDS client, a real and independent consumer, routes real calls by what meshgate
 * translates and serves: resources YAML → resolve → envoy → snapshot → our ADS server → grpc-xds →
 * echo servers. A weighted split, a header match and a retry.
 */
class ProxylessAcceptanceIT {
  @RegisterExtension static EchoServers echo = EchoServers.named("v1", "v2", "canary", "flaky-a");

  private static final SnapshotStore store = new SnapshotStore();
  private static Server ads;
  private static GrpcXdsClient client;

  @BeforeAll
  static void serve() throws Exception {
    ads =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new AdsService(store))
            .build()
            .start();
    publish(80);
    client =
        GrpcXdsClient.connectTo(
                new InetSocketAddress(
                    InetAddress.getLoopbackAddress(),
                    ((InetSocketAddress) ads.getListenSockets().get(0)).getPort()))
            .nodeId("acceptance")
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

  /** The config under test, with the echo servers' real ports. */
  private static void publish(int v1Weight) {
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
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: V2, zone: z1}]}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: echo-canary}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: CANARY, zone: z1}]}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: flaky}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: FLAKY, zone: z1}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: echo}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: echo}]
          rules:
            - matches: [{headers: [{name: x-canary, value: "true"}]}]
              backendRefs: [{name: echo-canary}]
            - backendRefs: [{name: echo-v1, weight: WEIGHT1}, {name: echo-v2, weight: WEIGHT2}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: flaky}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: flaky}]
          rules:
            - retry: {codes: [503], attempts: 3, backoff: 10ms}
              backendRefs: [{name: flaky}]
        """
            .replace("V1", Integer.toString(echo.address("v1").getPort()))
            .replace("V2", Integer.toString(echo.address("v2").getPort()))
            .replace("CANARY", Integer.toString(echo.address("canary").getPort()))
            .replace("FLAKY", Integer.toString(echo.address("flaky-a").getPort()))
            .replace("WEIGHT1", Integer.toString(v1Weight))
            .replace("WEIGHT2", Integer.toString(100 - v1Weight));
    ConfigSnapshot config = TestConfigs.snapshot(yaml);
    store.replaceAll(
        Cases.translate(Inputs.withoutKeys(config)).groups().stream()
            .map(g -> GroupSnapshot.of(g, config.revision()))
            .toList());
  }

  @Test
  void aWeightedSplitIsFollowedAndAChangedSplitMovesTraffic() {
    ManagedChannel channel = client.channel("echo.default");

    // 400 calls at p = 0.2: sd = sqrt(400 * 0.2 * 0.8) = 8; ±4.5 sd = ±36 around 80.
    Tally split = EchoServers.tally(channel, 400);
    assertThat(split.failedWith(Status.Code.UNAVAILABLE)).isZero();
    assertThat(split.answeredBy("v2")).isBetween(80 - 36, 80 + 36);
    assertThat(split.answeredBy("v1")).isEqualTo(400 - split.answeredBy("v2"));

    // 50/50: sd = 10; ±45 around 200. Until the client has the new route, batches stay near 80.
    publish(50);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> EchoServers.tally(channel, 400).answeredBy("v2"),
            n -> n >= 200 - 45 && n <= 200 + 45);
  }

  @Test
  void aHeaderMatchSteersCallsToTheCanary() {
    ManagedChannel channel = client.channel("echo.default");

    Tally canary = EchoServers.tally(channel, 50, Map.of("x-canary", "true"));

    assertThat(canary.answeredBy("canary")).isEqualTo(50);
  }

  @Test
  void aRetryPolicyTurnsEveryOtherFailureIntoASuccess() {
    ManagedChannel channel = client.channel("flaky.default");

    // one call at a time, so each call's attempts are its own
    java.util.List<String> failures = new java.util.ArrayList<>();
    int answered = 0;
    for (int i = 0; i < 40; i++) {
      try {
        assertThat(EchoServers.identify(channel)).isEqualTo("flaky-a");
        answered++;
      } catch (io.grpc.StatusRuntimeException e) {
        failures.add(e.getStatus().toString());
      }
    }

    // flaky-a fails the first attempt of every call; the retry on UNAVAILABLE succeeds
    assertThat(answered).as("failures: %s", failures).isEqualTo(40);
    assertThat(echo.served("flaky-a"))
        .as("attempts: a failed first and a retried second per call")
        .isEqualTo(80);
  }
}
