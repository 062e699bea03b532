package io.meshgate.xds.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.DeleteOption;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Resource;
import io.meshgate.config.pem.Pem;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoredValues;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.testkit.ConsulApiDouble;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.translate.BridgeConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A replica bridging a Gateway into a Consul Connect estate, through the whole path: the config in
 * etcd, the Connect service's sidecar proxy from Consul's {@code /v1/health/connect}, the Gateway's
 * Consul leaf and Consul's roots from the agent, all in the Gateway's snapshot; a root rotation in
 * Consul reaches it as a Secret-only change; an intention that denies the Gateway's service is a
 * RefNotPermitted on the route, and web gets no endpoints until it goes.
 */
class NodeConsulBridgeIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final String GROUP = "gateway/edge/public";

  private ConsulApiDouble consul;
  private XdsNode node;

  @BeforeEach
  void start() throws Exception {
    etcd.client()
        .getKVClient()
        .delete(
            ByteSequence.from(Keyspace.resourcesPrefix(), UTF_8),
            DeleteOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS);
    consul = ConsulApiDouble.create();
    node =
        XdsNode.startServingOnly(
            NodeSettings.builder("127.0.0.1:9", etcd.endpointList(), "bridge")
                .anyLoopbackPorts()
                .consul(ConsulSettings.at(URI.create(consul.address())))
                .build());
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    consul.close();
  }

  @Test
  void aGatewayInAConsulBridgeIsServedItsConsulIdentityAndReachesTheSidecarProxies()
      throws Exception {
    // given: web runs in Consul with a Connect sidecar proxy
    consul.register(
        consul.localDatacenter(),
        ConsulApiDouble.Instance.of("web", "web-1", "vm-1", "10.0.0.1", 8080));
    consul.register(
        consul.localDatacenter(),
        ConsulApiDouble.Instance.of("web-sidecar-proxy", "web-1-sidecar", "vm-1", "10.0.0.1", 21000)
            .asProxyFor("web"));

    // when: the Gateway, its route to web, and the bridge are in etcd
    String td = consul.connectTrustDomain();
    put(BridgeConfigs.consulGateway("public", "web", td, consul.address(), "meshgate-edge"));

    // then: the Gateway's snapshot holds its Consul identity, Consul's roots, and the proxy
    String identity = consul.leafServiceUri("meshgate-edge");
    String bundle = "spiffe://" + td;
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> secrets().containsKey(identity) && endpointPort().orElse(0) == 21000);
    assertThat(secrets()).containsOnlyKeys(identity, bundle);
    Cluster web = cluster();
    assertThat(web.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class).getSni())
        .isEqualTo("web.default." + consul.localDatacenter() + ".internal." + td);

    // when: Consul rotates its CA
    GroupSnapshot before = node.snapshots().get(GROUP).orElseThrow();
    consul.rotateConnectCa();

    // then: new leaf, both roots, and only the Secrets changed
    await().atMost(Duration.ofSeconds(30)).until(() -> roots(secrets().get(bundle)) == 2);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !secrets().get(identity).equals(secret(before, identity)));
    GroupSnapshot after = node.snapshots().get(GROUP).orElseThrow();
    for (String type : new String[] {TypeUrls.CLUSTER, TypeUrls.LISTENER, TypeUrls.ROUTE}) {
      assertThat(after.type(type).version()).as(type).isEqualTo(before.type(type).version());
    }

    // when: a Consul intention denies the Gateway's service web
    consul.intention("meshgate-edge", "web", false);

    // then: the route's status says so, naming the intention, and web gets no traffic
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> refusal().isPresent() && endpointPort().orElse(-1) == 0);
    assertThat(refusal().orElseThrow()).contains("Consul intention meshgate-edge => web (deny)");

    // when: the intention goes
    consul.removeIntention("meshgate-edge", "web");

    // then
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> refusal().isEmpty() && endpointPort().orElse(0) == 21000);
  }

  @Test
  void aConnectedGatewayEnvoyIsAConnectNativeInstanceInConsul() throws Exception {
    // given: the bridge in etcd
    put(
        BridgeConfigs.consulGateway(
            "public", "web", consul.connectTrustDomain(), consul.address(), "meshgate-edge"));
    await().atMost(Duration.ofSeconds(30)).until(() -> node.snapshots().get(GROUP).isPresent());

    // when: an Envoy of the Gateway opens its ADS stream
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(node.xdsAddress()).usePlaintext().build();
    try {
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(
                  new StreamObserver<DiscoveryResponse>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {}

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(
                  Node.newBuilder()
                      .setId("public-envoy-1")
                      .setMetadata(
                          Struct.newBuilder()
                              .putFields(
                                  ProxyGroups.GATEWAY,
                                  Value.newBuilder().setStringValue("edge/public").build())))
              .setTypeUrl(TypeUrls.CLUSTER)
              .build());

      // then: Consul lists it as a Connect-capable instance of the gateway's service, passing
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> consul.requests().stream().anyMatch(r -> r.uri().contains("service/register")));
      String instances =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(consul.address() + "/v1/health/connect/meshgate-edge"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(instances)
          .contains("\"Address\":\"127.0.0.1\"")
          .contains("\"Port\":8080")
          .contains("\"meshgate-node-id\":\"public-envoy-1\"")
          .contains("\"Status\":\"passing\"");
      requests.onCompleted();
    } finally {
      channel.shutdownNow();
    }
  }

  /** The RefNotPermitted problem on the route, if the last build raised one. */
  private Optional<String> refusal() {
    ResolvedIr resolved = node.pipeline().lastResolved();
    if (resolved == null) {
      return Optional.empty();
    }
    return resolved.problems().stream()
        .filter(p -> p.reason() == ProblemReason.REF_NOT_PERMITTED)
        .map(Problem::toString)
        .findFirst();
  }

  /** Stores every resource of {@code yaml} in etcd, as the applier would. */
  private void put(String yaml) throws Exception {
    for (var document : YamlDocuments.read("-", yaml)) {
      Resource resource =
          ((Validation.Valid) ResourceValidator.get().validate(document.tree())).resource();
      etcd.client()
          .getKVClient()
          .put(
              ByteSequence.from(Keyspace.resource(resource.key()), UTF_8),
              ByteSequence.from(StoredValues.resource(resource)))
          .get(10, TimeUnit.SECONDS);
    }
  }

  private Map<String, Any> secrets() {
    Map<String, Any> byName = new TreeMap<>();
    node.snapshots()
        .get(GROUP)
        .ifPresent(
            s ->
                s.type(TypeUrls.SECRET).resources().forEach((n, r) -> byName.put(n, r.resource())));
    return byName;
  }

  private static Any secret(GroupSnapshot snapshot, String name) {
    return snapshot.type(TypeUrls.SECRET).resources().get(name).resource();
  }

  private static int roots(Any bundle) throws Exception {
    return Pem.certificates(
            bundle.unpack(Secret.class).getValidationContext().getTrustedCa().getInlineString(),
            "bundle")
        .size();
  }

  private Cluster cluster() throws Exception {
    return node.snapshots()
        .get(GROUP)
        .orElseThrow()
        .type(TypeUrls.CLUSTER)
        .resources()
        .get("edge/web")
        .resource()
        .unpack(Cluster.class);
  }

  private Optional<Integer> endpointPort() {
    return node.snapshots()
        .get(GROUP)
        .flatMap(
            s ->
                Optional.ofNullable(s.type(TypeUrls.ENDPOINT).resources().get("edge/web"))
                    .map(
                        r -> {
                          try {
                            ClusterLoadAssignment assignment =
                                r.resource().unpack(ClusterLoadAssignment.class);
                            return assignment.getEndpointsCount() == 0
                                    || assignment.getEndpoints(0).getLbEndpointsCount() == 0
                                ? 0
                                : assignment
                                    .getEndpoints(0)
                                    .getLbEndpoints(0)
                                    .getEndpoint()
                                    .getAddress()
                                    .getSocketAddress()
                                    .getPortValue();
                          } catch (Exception e) {
                            return 0;
                          }
                        }));
  }
}
