package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.discovery.consul.ConsulClient;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.testkit.ConsulApiDouble.CheckStatus;
import io.meshgate.testkit.ConsulApiDouble.Instance;
import io.meshgate.xds.pipeline.Pipeline;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import io.meshgate.xds.translate.Cases;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Backend fed by a Consul service, through the production path — blocking query, discovery, the
 * pipeline's holdoff and rebuild, the snapshot store, a delta ADS stream — against testkit's {@link
 * ConsulApiDouble}: a registration and a health change reach the proxy as EDS pushes, and the
 * cluster is not pushed again.
 */
class ConsulEndpointsTest {
  private static final Logger log = LoggerFactory.getLogger(ConsulEndpointsTest.class);
  private static final String CLUSTER = "default/web";
  private static final ResourceKey WEB = new ResourceKey(Kind.BACKEND, "default", "web");

  private final List<AutoCloseable> closing = new ArrayList<>();

  /** What discovery last handed the pipeline. */
  private final AtomicReference<EndpointDiscovery.Discovered> latest =
      new AtomicReference<>(EndpointDiscovery.Discovered.empty());

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static List<LbEndpoint> endpoints(DeltaDiscoveryResponse response) throws Exception {
    assertThat(response.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
    ClusterLoadAssignment assignment =
        response.getResources(0).getResource().unpack(ClusterLoadAssignment.class);
    return assignment.getEndpointsList().stream()
        .flatMap(l -> l.getLbEndpointsList().stream())
        .toList();
  }

  /**
   * A replica's pipeline and discovery, as the node wires them, serving a Backend fed by Consul's
   * {@code web}: discovery first, then the config.
   */
  private Pipeline serveWebFrom(ConsulApiDouble consul, SnapshotStore store) {
    Pipeline pipeline = new Pipeline(store, Duration.ofMillis(20), Duration.ofMillis(200));
    closing.add(pipeline);
    EndpointDiscovery discovery =
        new EndpointDiscovery(
            ConsulClient.of(ConsulSettings.at(URI.create(consul.address()))),
            discovered -> {
              pipeline.accept(discovered);
              latest.set(discovered);
            },
            Clock.systemUTC());
    closing.add(discovery);
    ConfigSnapshot config =
        Cases.snapshot(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: web, namespace: default}
            spec: {protocol: GRPC, consul: {service: web}}
            """);
    discovery.configChanged(config);
    pipeline.accept(config);
    return pipeline;
  }

  /** The proxyless group's EDS resource of web, once there is one. */
  private static VersionedResource servedEds(SnapshotStore store) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                store
                    .get("proxyless")
                    .map(g -> g.type(TypeUrls.ENDPOINT).resources().containsKey(CLUSTER))
                    .orElse(false));
    return store.get("proxyless").orElseThrow().type(TypeUrls.ENDPOINT).resources().get(CLUSTER);
  }

  @Test
  void aConsulRegistrationAndAHealthChangeReachAConnectedProxyAsEdsPushes() throws Exception {
    // given: Consul with one instance of web, and a replica's pipeline watching it
    ConsulApiDouble consul = ConsulApiDouble.create();
    closing.add(consul);
    consul.register("dc1", Instance.of("web", "web-1", "node-1", "10.0.0.1", 8080));
    SnapshotStore store = new SnapshotStore();
    serveWebFrom(consul, store);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                store
                    .get("proxyless")
                    .map(g -> g.type(TypeUrls.ENDPOINT).resources().containsKey(CLUSTER))
                    .orElse(false));

    // and a proxyless client holding the cluster and its endpoints, each ACKed
    String name = "consul-" + System.nanoTime();
    Server server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new AdsService(store, Authorizer.anonymousAllowed()))
            .build()
            .start();
    closing.add(server::shutdownNow);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    closing.add(channel::shutdownNow);
    AdsClients.Delta proxy = new AdsClients.Delta(channel);
    Node node =
        Node.newBuilder()
            .setId("grpc-1")
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        ProxyGroups.PROXYLESS, Value.newBuilder().setBoolValue(true).build()))
            .build();
    proxy.ask(node, TypeUrls.CLUSTER, List.of(CLUSTER));
    DeltaDiscoveryResponse clusters = proxy.next();
    proxy.ack(node, clusters.getTypeUrl(), clusters.getNonce());
    proxy.ask(node, TypeUrls.ENDPOINT, List.of(CLUSTER));
    DeltaDiscoveryResponse first = proxy.next();
    assertThat(endpoints(first)).hasSize(1);
    proxy.ack(node, first.getTypeUrl(), first.getNonce());

    // when: a second instance registers
    long registered = System.nanoTime();
    consul.register("dc1", Instance.of("web", "web-2", "node-2", "10.0.0.2", 8080));

    // then: an EDS push with both
    DeltaDiscoveryResponse pushed = proxy.next();
    long arrived = System.nanoTime();
    assertThat(endpoints(pushed))
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress())
        .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
    proxy.ack(node, pushed.getTypeUrl(), pushed.getNonce());

    // when: the first fails its check
    consul.setCheckStatus("dc1", "web-1", CheckStatus.CRITICAL);

    // then: an EDS push marks it unhealthy, and no cluster push came at any point
    DeltaDiscoveryResponse unhealthy = proxy.next();
    assertThat(endpoints(unhealthy))
        .filteredOn(
            e -> e.getEndpoint().getAddress().getSocketAddress().getAddress().equals("10.0.0.1"))
        .extracting(LbEndpoint::getHealthStatus)
        .containsExactly(HealthStatus.UNHEALTHY);
    proxy.ack(node, unhealthy.getTypeUrl(), unhealthy.getNonce());
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(proxy.received::isEmpty);
    log.info(
        "Consul registration → EDS push in {} ms",
        Duration.ofNanos(arrived - registered).toMillis());
  }

  @Test
  void consulMetaReachesEdsAndANewIndexWithoutAChangeKeepsTheVersion() throws Exception {
    // given: an instance with service meta, a tag and node meta
    ConsulApiDouble consul = ConsulApiDouble.create();
    closing.add(consul);
    Instance web1 = Instance.of("web", "web-1", "node-1", "10.0.0.1", 8080);
    consul.register(
        "dc1",
        new Instance(
                web1.node(),
                web1.nodeAddress(),
                Map.of("rack", "r1"),
                web1.serviceId(),
                web1.service(),
                web1.serviceAddress(),
                web1.port(),
                List.of(),
                web1.serviceMeta(),
                web1.checkStatus())
            .withTags("canary")
            .withServiceMeta(Map.of("version", "v2")));
    SnapshotStore store = new SnapshotStore();
    Pipeline pipeline = serveWebFrom(consul, store);

    // then: EDS carries them under envoy.lb
    VersionedResource before = servedEds(store);
    LbEndpoint lbEndpoint =
        before.resource().unpack(ClusterLoadAssignment.class).getEndpoints(0).getLbEndpoints(0);
    assertThat(lbEndpoint.getMetadata().getFilterMetadataOrThrow("envoy.lb").getFieldsMap())
        .containsOnlyKeys("node.rack", "tag.canary", "version");

    // when: Consul's index moves without a change (an idempotent re-registration) and, once the
    // pipeline is quiet, it rebuilds with the new index in the endpoint's provenance
    AtomicLong rebuilds = new AtomicLong(-1);
    await()
        .pollInterval(Duration.ofMillis(50))
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(10))
        .until(() -> rebuilds.getAndSet(pipeline.rebuilds()) == pipeline.rebuilds());
    String provenance = latest.get().endpoints().endpoints(WEB).get(0).source();
    consul.touch("dc1", "web");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !latest.get().endpoints().endpoints(WEB).get(0).source().equals(provenance));
    await().atMost(Duration.ofSeconds(10)).until(() -> pipeline.rebuilds() > rebuilds.get());

    // then: the same EDS version and bytes
    VersionedResource after = servedEds(store);
    assertThat(after.version()).isEqualTo(before.version());
    assertThat(after.resource().toByteString()).isEqualTo(before.resource().toByteString());
  }

  @Test
  void aReplicaWaitsForConsulsFirstAnswerBeforeItServesTheBackend() throws Exception {
    // given: Consul answers slowly, and a replica starts with a Backend fed by it
    ConsulApiDouble consul = ConsulApiDouble.create();
    closing.add(consul);
    consul.register("dc1", Instance.of("web", "web-1", "node-1", "10.0.0.1", 8080));
    consul.slow(Duration.ofMillis(1500));
    SnapshotStore store = new SnapshotStore();
    List<Integer> firstServed = new CopyOnWriteArrayList<>();
    store.onChange(
        group -> {
          if (group.equals("proxyless") && firstServed.isEmpty()) {
            store
                .get(group)
                .map(g -> g.type(TypeUrls.ENDPOINT).resources().get(CLUSTER))
                .ifPresent(
                    r -> {
                      try {
                        firstServed.add(
                            r.resource().unpack(ClusterLoadAssignment.class).getEndpointsCount());
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    });
          }
        });

    // when
    serveWebFrom(consul, store);

    // then: the first assignment served already holds Consul's instance, never an empty one
    await().atMost(Duration.ofSeconds(10)).until(() -> !firstServed.isEmpty());
    assertThat(firstServed.get(0)).as("localities in the first assignment served").isEqualTo(1);
  }
}
