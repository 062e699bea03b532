package io.meshgate.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.meshgate.testkit.ads.ContentHash;
import io.meshgate.testkit.ads.ScriptedAdsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedEnvoyTest {
  @TempDir Path dir;
  private ScriptedAdsServer home;
  private ScriptedAdsServer next;
  private Timeline timeline;
  private SimulatedEnvoy envoy;

  @BeforeEach
  void start() throws Exception {
    home = new ScriptedAdsServer();
    next = new ScriptedAdsServer();
    timeline = new Timeline(dir.resolve("timeline.log"));
  }

  @AfterEach
  void stop() throws Exception {
    if (envoy != null) {
      envoy.close();
    }
    home.close();
    next.close();
    timeline.close();
  }

  private SimulatedEnvoy envoy(SimulatedEnvoy.Protocol protocol) {
    envoy =
        new SimulatedEnvoy(
                "envoy-0",
                "chaos/edge",
                protocol,
                List.of(home.address(), next.address()),
                0,
                timeline)
            .start();
    return envoy;
  }

  @Test
  void asksForTheRouteTablesItsListenersNameAndRecordsStepsBackAndWrongVersions() throws Exception {
    // given a delta Envoy that asked for listeners and clusters
    envoy(SimulatedEnvoy.Protocol.DELTA);
    assertThat(home.nextDelta().getTypeUrl()).isEqualTo(SimulatedEnvoy.LISTENER);
    assertThat(home.nextDelta().getTypeUrl()).isEqualTo(SimulatedEnvoy.CLUSTER);

    // when a listener naming route table edge/http arrives
    home.send(delta(SimulatedEnvoy.LISTENER, "n1", hashed("http", listener("http", "edge/http"))));

    // then it ACKs and asks for that table
    assertThat(home.nextDelta().getResponseNonce()).isEqualTo("n1");
    DeltaDiscoveryRequest routes = home.nextDelta();
    assertThat(routes.getTypeUrl()).isEqualTo(SimulatedEnvoy.ROUTE);
    assertThat(routes.getResourceNamesSubscribeList()).containsExactly("edge/http");

    // when the table's marker goes from 5 to 3, the second time under a version that is no hash
    home.send(delta(SimulatedEnvoy.ROUTE, "n2", hashed("edge/http", table("edge/http", 5))));
    home.nextDelta();
    home.send(
        delta(
            SimulatedEnvoy.ROUTE,
            "n3",
            Resource.newBuilder()
                .setName("edge/http")
                .setVersion("not-a-hash")
                .setResource(Any.pack(table("edge/http", 3)))
                .build()));
    home.nextDelta();

    // then both are violations (recorded once the ACK is out), and it holds what the server sent
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(envoy.violations())
                    .anyMatch(v -> v.contains("route x-chaos-a went back from 5 to 3"))
                    .anyMatch(
                        v -> v.contains("version of edge/http is not the hash of its bytes")));
    assertThat(envoy.held(SimulatedEnvoy.ROUTE)).isEqualTo(Map.of("edge/http", "not-a-hash"));
    assertThat(envoy.nacks()).isZero();
  }

  @Test
  void afterALostStreamItResumesOnTheNextReplicaReportingWhatItHolds() throws Exception {
    // given a delta Envoy holding EDS cluster c
    envoy(SimulatedEnvoy.Protocol.DELTA);
    home.nextDelta();
    home.nextDelta();
    Resource cluster =
        hashed("c", Cluster.newBuilder().setName("c").setType(Cluster.DiscoveryType.EDS).build());
    home.send(delta(SimulatedEnvoy.CLUSTER, "n1", cluster));
    home.nextDelta();
    assertThat(home.nextDelta().getResourceNamesSubscribeList()).containsExactly("c");

    // when its replica ends the stream
    home.failDelta();

    // then it opens a stream to the next replica (after 250 ms), naming what it holds
    DeltaDiscoveryRequest first = next.nextDelta();
    assertThat(first.getTypeUrl()).isEqualTo(SimulatedEnvoy.LISTENER);
    assertThat(first.hasNode()).isTrue();
    DeltaDiscoveryRequest clusters = next.nextDelta();
    assertThat(clusters.getTypeUrl()).isEqualTo(SimulatedEnvoy.CLUSTER);
    assertThat(clusters.getInitialResourceVersionsMap())
        .isEqualTo(Map.of("c", cluster.getVersion()));
    assertThat(clusters.hasNode()).isFalse();
    assertThat(next.nextDelta().getResourceNamesSubscribeList()).containsExactly("c");
    assertThat(envoy.streams()).isEqualTo(2);
    assertThat(envoy.connectedTo()).isEqualTo(next.address());
  }

  @Test
  void sotwNacksAListenerThatDoesNotParse() throws Exception {
    // given a state-of-the-world Envoy
    envoy(SimulatedEnvoy.Protocol.SOTW);
    home.nextSotw();
    home.nextSotw();

    // when a listener response carries bytes that do not parse
    home.send(
        DiscoveryResponse.newBuilder()
            .setTypeUrl(SimulatedEnvoy.LISTENER)
            .setVersionInfo("v1")
            .setNonce("n1")
            .addResources(
                Any.newBuilder()
                    .setTypeUrl(SimulatedEnvoy.LISTENER)
                    .setValue(ByteString.copyFrom(new byte[] {0x0A, 0x05, 0x41})))
            .build());

    // then it NACKs, counts it and reports it
    DiscoveryRequest nack = home.nextSotw();
    assertThat(nack.hasErrorDetail()).isTrue();
    assertThat(nack.getVersionInfo()).isEmpty();
    await().atMost(Duration.ofSeconds(5)).until(() -> envoy.nacks() == 1);
    assertThat(envoy.violations()).singleElement().asString().startsWith("NACK of ");
    assertThat(envoy.held(SimulatedEnvoy.LISTENER)).isEmpty();
  }

  private static Resource hashed(String name, Message message) {
    Any any = Any.pack(message);
    return Resource.newBuilder()
        .setName(name)
        .setVersion(ContentHash.of(any))
        .setResource(any)
        .build();
  }

  private static DeltaDiscoveryResponse delta(String type, String nonce, Resource... resources) {
    return DeltaDiscoveryResponse.newBuilder()
        .setTypeUrl(type)
        .setNonce(nonce)
        .addAllResources(List.of(resources))
        .build();
  }

  private static Listener listener(String name, String routeTable) {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setRds(Rds.newBuilder().setRouteConfigName(routeTable))
            .build();
    return Listener.newBuilder()
        .setName(name)
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(Any.pack(hcm))))
        .build();
  }

  /** A route table whose one route carries marker {@code x-chaos-a: change}. */
  private static RouteConfiguration table(String name, long change) {
    return RouteConfiguration.newBuilder()
        .setName(name)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName("all")
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .addRequestHeadersToAdd(
                            HeaderValueOption.newBuilder()
                                .setHeader(
                                    HeaderValue.newBuilder()
                                        .setKey(SimulatedEnvoy.ROUTE_MARKER_PREFIX + "a")
                                        .setValue(Long.toString(change))))))
        .build();
  }
}
