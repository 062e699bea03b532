package io.meshgate.xds.testing;

import static io.meshgate.xds.testing.XdsServerFixture.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.ManagedChannel;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import io.meshgate.testkit.grpc.Tally;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Proves the harness: grpc-xds, fed hand-built Envoy v3 resources over ADS, routes real calls to
 * real servers by weight and by header, and follows changes. The resources here are the shape the
 * translator must produce for proxyless gRPC nodes; README.md lists the rules behind them.
 */
class GrpcXdsHarnessIT {
  private static final String TARGET = "echo.default";
  private static final String ROUTES = "echo.default.routes";
  private static final String CLUSTER_A = "echo-a.default";
  private static final String CLUSTER_B = "echo-b.default";
  private static final int CALLS = 400;
  private static final Duration CONVERGENCE = Duration.ofSeconds(10);
  private static final String EDS_TYPE =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  @RegisterExtension static final XdsServerFixture xds = XdsServerFixture.groupedByNodeId();
  @RegisterExtension static final EchoServers echo = EchoServers.named("a", "b1", "b2");

  @AfterEach
  void noResponseWasRejected() {
    assertThat(xds.rejections()).as("NACKs from grpc-xds").isEmpty();
  }

  @Test
  void weightedClustersSplitTrafficAndFollowWeightAndEndpointChanges() {
    // given: A = {a}, B = {b1, b2}, split 80/20
    String node = "weighted-split";
    xds.setSnapshot(node, weightedSplit(80, 20, endpointsA(), endpointsB("b1", "b2")));
    try (GrpcXdsClient client = client(node)) {
      ManagedChannel channel = client.channel(TARGET);

      // when
      Tally tally = EchoServers.tally(channel, CALLS);

      // then
      assertThat(tally.answeredBy("a", "b1", "b2")).isEqualTo(CALLS);
      assertShare(tally, 0.20, "b1", "b2");
      assertThat(xds.node(node))
          .hasValueSatisfying(
              announced -> {
                assertThat(announced.getMetadata().getFieldsOrThrow("meshgate.io/proxyless"))
                    .extracting(v -> v.getStringValue())
                    .isEqualTo("true");
                assertThat(announced.getLocality().getZone()).isEqualTo("zone-a");
              });

      // when the weights change
      xds.setSnapshot(node, weightedSplit(50, 50, endpointsA(), endpointsB("b1", "b2")));

      // then traffic follows: the first batch may straddle the switch, the next one may not
      await()
          .atMost(CONVERGENCE)
          .untilAsserted(() -> assertShare(EchoServers.tally(channel, CALLS), 0.50, "b1", "b2"));
      Tally fiftyFifty = EchoServers.tally(channel, CALLS);
      assertShare(fiftyFifty, 0.50, "b1", "b2");
      // round_robin inside B, once both subchannels are READY (the first batch may see one)
      assertThat(fiftyFifty.answeredBy("b1")).isPositive();
      assertThat(fiftyFifty.answeredBy("b2")).isPositive();

      // when b2 leaves cluster B
      xds.setSnapshot(node, weightedSplit(50, 50, endpointsA(), endpointsB("b1")));

      // then B's half moves to b1, and no call fails
      await()
          .atMost(CONVERGENCE)
          .untilAsserted(
              () -> assertThat(EchoServers.tally(channel, CALLS).answeredBy("b2")).isZero());
      int servedByB2 = echo.served("b2");
      Tally afterRemoval = EchoServers.tally(channel, CALLS);
      assertThat(afterRemoval.answeredBy("b2")).isZero();
      assertThat(afterRemoval.answeredBy("a", "b1")).isEqualTo(CALLS);
      assertShare(afterRemoval, 0.50, "b1");
      assertThat(echo.served("b2")).isEqualTo(servedByB2);
    }
  }

  /**
   * A tripwire for a grpc-xds 1.85.1 behaviour the translator must design around: a
   * ClusterLoadAssignment without endpoints does not drain a cluster that had some.
   * CdsLoadBalancer2 hands "No usable endpoint" down as a resolution error, which a READY
   * round_robin ignores, so calls keep going to the last endpoints (Envoy would answer 503). If
   * this test fails after a grpc upgrade, the behaviour changed: update README.md.
   */
  @Test
  void anEmptyLoadAssignmentLeavesTheLastEndpointsInUse() {
    // given: everything to B = {b1}
    String node = "empty-assignment";
    xds.setSnapshot(node, weightedSplit(0, 100, endpointsA(), endpointsB("b1")));
    try (GrpcXdsClient client = client(node)) {
      ManagedChannel channel = client.channel(TARGET);
      assertThat(EchoServers.tally(channel, 50).answers()).isEqualTo(Map.of("b1", 50));

      // when B's assignment is emptied, and the client has accepted that
      Snapshot empty = weightedSplit(0, 100, endpointsA(), loadAssignment(CLUSTER_B, "zone-b"));
      xds.setSnapshot(node, empty);
      await()
          .atMost(CONVERGENCE)
          .until(
              () -> xds.ackedVersion(node, EDS_TYPE),
              acked -> acked.equals(Optional.of(empty.version(EDS_TYPE))));

      // then b1 still answers, for as long as we look
      await()
          .during(Duration.ofSeconds(1))
          // A tally of 50 calls can take seconds on a busy machine; the window is what matters.
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(EchoServers.tally(channel, 50).answers()).isEqualTo(Map.of("b1", 50)));
    }
  }

  @Test
  void aHeaderMatchRoutesCanaryCallsToTheOtherCluster() {
    // given: x-canary: true → B, anything else → A
    String node = "header-match";
    RouteConfiguration routes =
        routes(
            Route.newBuilder()
                .setMatch(
                    RouteMatch.newBuilder()
                        .setPrefix("")
                        .addHeaders(
                            HeaderMatcher.newBuilder()
                                .setName("x-canary")
                                .setStringMatch(StringMatcher.newBuilder().setExact("true"))))
                .setRoute(RouteAction.newBuilder().setCluster(CLUSTER_B))
                .build(),
            Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix(""))
                .setRoute(RouteAction.newBuilder().setCluster(CLUSTER_A))
                .build());
    xds.setSnapshot(
        node,
        snapshot(
            listener(),
            routes,
            cluster(CLUSTER_A),
            cluster(CLUSTER_B),
            endpointsA(),
            endpointsB("b1")));
    try (GrpcXdsClient client = client(node)) {
      ManagedChannel channel = client.channel(TARGET);

      // when
      Tally plain = EchoServers.tally(channel, 50);
      Tally canary = EchoServers.tally(channel, 50, Map.of("x-canary", "true"));
      Tally notCanary = EchoServers.tally(channel, 50, Map.of("x-canary", "false"));

      // then
      assertThat(plain.answers()).isEqualTo(Map.of("a", 50));
      assertThat(canary.answers()).isEqualTo(Map.of("b1", 50));
      assertThat(notCanary.answers()).isEqualTo(Map.of("a", 50));
    }
  }

  @Test
  void clientsOfTwoControlPlanesLiveInOneJvm() {
    // given: the same node id and target, told different things by two ADS servers
    try (XdsServerFixture other = XdsServerFixture.groupedByNodeId().start();
        GrpcXdsClient toA = client("two-planes", xds.address());
        GrpcXdsClient toB = client("two-planes", other.address())) {
      xds.setSnapshot("two-planes", weightedSplit(100, 0, endpointsA(), endpointsB("b1")));
      other.setSnapshot("two-planes", weightedSplit(0, 100, endpointsA(), endpointsB("b1")));

      // when
      Tally viaA = EchoServers.tally(toA.channel(TARGET), 50);
      Tally viaB = EchoServers.tally(toB.channel(TARGET), 50);

      // then: each channel bootstrapped from its own client, not from a per-JVM bootstrap
      assertThat(viaA.answers()).isEqualTo(Map.of("a", 50));
      assertThat(viaB.answers()).isEqualTo(Map.of("b1", 50));
      assertThat(other.rejections()).isEmpty();
    }
  }

  /**
   * The share of {@code servers} among {@value #CALLS} calls is {@code p} within 4.5 standard
   * deviations of a binomial: sd = sqrt(n·p·(1−p)), so for n = 400 at p = 0.2 sd = 8 calls and the
   * band is 80 ± 36 (11% to 29%); at p = 0.5 sd = 10 and the band is 200 ± 45 (39% to 61%). A
   * correct split leaves it with probability about 7·10⁻⁶ per batch, while an 80/20 batch is more
   * than 9 sd from the 50/50 band, so a test that passes saw the change.
   */
  private static void assertShare(Tally tally, double p, String... servers) {
    double n = tally.total();
    double sd = Math.sqrt(n * p * (1 - p));
    assertThat((double) tally.answeredBy(servers))
        .as(
            "calls answered by %s in %s (expected %.0f ± %.0f)",
            Arrays.toString(servers), tally, n * p, 4.5 * sd)
        .isBetween(n * p - 4.5 * sd, n * p + 4.5 * sd);
  }

  private static GrpcXdsClient client(String nodeId) {
    return client(nodeId, xds.address());
  }

  private static GrpcXdsClient client(String nodeId, InetSocketAddress controlPlane) {
    return GrpcXdsClient.connectTo(controlPlane)
        .nodeId(nodeId)
        .nodeCluster("echo-clients")
        .locality("local", "zone-a")
        .metadata("meshgate.io/proxyless", "true")
        .build();
  }

  /**
   * Listener, routes splitting {@code weightA}:{@code weightB} between both clusters, endpoints.
   */
  private static Snapshot weightedSplit(
      int weightA,
      int weightB,
      ClusterLoadAssignment endpointsA,
      ClusterLoadAssignment endpointsB) {
    // A zero weight is legal per cluster; grpc-xds only refuses a zero sum.
    WeightedCluster split =
        WeightedCluster.newBuilder()
            .addClusters(
                WeightedCluster.ClusterWeight.newBuilder()
                    .setName(CLUSTER_A)
                    .setWeight(UInt32Value.of(weightA)))
            .addClusters(
                WeightedCluster.ClusterWeight.newBuilder()
                    .setName(CLUSTER_B)
                    .setWeight(UInt32Value.of(weightB)))
            .build();
    Route route =
        Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPrefix(""))
            .setRoute(RouteAction.newBuilder().setWeightedClusters(split))
            .build();
    return snapshot(
        listener(), routes(route), cluster(CLUSTER_A), cluster(CLUSTER_B), endpointsA, endpointsB);
  }

  private static Listener listener() {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(TARGET)
            .setRds(Rds.newBuilder().setRouteConfigName(ROUTES).setConfigSource(ads()))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(TARGET)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
        .build();
  }

  private static RouteConfiguration routes(Route... routes) {
    return RouteConfiguration.newBuilder()
        .setName(ROUTES)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(TARGET)
                .addDomains(TARGET)
                .addAllRoutes(List.of(routes)))
        .build();
  }

  private static Cluster cluster(String name) {
    HttpProtocolOptions http2 =
        HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .build();
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder().setServiceName(name).setEdsConfig(ads()))
        .setConnectTimeout(Durations.fromSeconds(1))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        // Envoy needs this to speak HTTP/2 upstream; grpc-xds ignores it (always HTTP/2).
        .putTypedExtensionProtocolOptions(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", Any.pack(http2))
        .build();
  }

  private static ClusterLoadAssignment endpointsA() {
    return loadAssignment(CLUSTER_A, "zone-a", echo.address("a"));
  }

  private static ClusterLoadAssignment endpointsB(String... servers) {
    return loadAssignment(
        CLUSTER_B,
        "zone-b",
        Arrays.stream(servers).map(echo::address).toArray(InetSocketAddress[]::new));
  }

  /** One locality; with no addresses, a cluster that exists but has nowhere to send calls. */
  private static ClusterLoadAssignment loadAssignment(
      String cluster, String zone, InetSocketAddress... addresses) {
    ClusterLoadAssignment.Builder assignment =
        ClusterLoadAssignment.newBuilder().setClusterName(cluster);
    if (addresses.length == 0) {
      return assignment.build();
    }
    LocalityLbEndpoints.Builder locality =
        LocalityLbEndpoints.newBuilder()
            .setLocality(Locality.newBuilder().setRegion("local").setZone(zone))
            // grpc-xds drops a locality without a weight > 0, silently.
            .setLoadBalancingWeight(UInt32Value.of(1));
    for (InetSocketAddress address : addresses) {
      locality.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setEndpoint(
                  Endpoint.newBuilder()
                      .setAddress(
                          Address.newBuilder()
                              .setSocketAddress(
                                  SocketAddress.newBuilder()
                                      .setAddress(address.getAddress().getHostAddress())
                                      .setPortValue(address.getPort())))));
    }
    return assignment.addEndpoints(locality).build();
  }

  private static ConfigSource ads() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }
}
