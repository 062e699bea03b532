package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.xds.envoy.GroupResources;
import io.meshgate.xds.pipeline.Inputs;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.translate.Cases;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ADS service with a translated config and with credentials, over an in-process channel. What
 * every stream does, either protocol, is AdsStreamContract's (SotwStreamTest, DeltaStreamTest).
 */
class AdsServiceTest {
  private static final String GATEWAY =
      """
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: edge}
      spec: {listeners: [{name: http, port: 80, protocol: HTTP}]}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: a}
      spec: {static: {endpoints: [{address: 10.0.0.1, port: 80}]}}
      ---
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: b}
      spec: {static: {endpoints: [{address: 10.0.0.2, port: 80}]}}
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: web}
      spec:
        parentRefs: [{name: edge}]
        rules: [{backendRefs: [{name: a, weight: WEIGHT_A}, {name: b, weight: 10}]}]
      """;

  private final SnapshotStore store = new SnapshotStore();
  private Server server;
  private ManagedChannel channel;
  private String name;

  @BeforeEach
  void start() throws Exception {
    name = "ads-" + System.nanoTime();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new AdsService(store))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  private void publish(int weightA) {
    ConfigSnapshot config =
        io.meshgate.xds.translate.TestConfigs.snapshot(
            GATEWAY.replace("WEIGHT_A", Integer.toString(weightA)));
    List<GroupResources> groups = Cases.translate(Inputs.withoutKeys(config)).groups();
    store.replaceAll(groups.stream().map(g -> GroupSnapshot.of(g, config.revision())).toList());
  }

  private static Node gatewayNode(String id) {
    return Node.newBuilder()
        .setId(id)
        .setMetadata(
            Struct.newBuilder()
                .putFields(ProxyGroups.GATEWAY, Value.newBuilder().setStringValue("edge").build()))
        .build();
  }

  @Test
  void aSotwClientGetsTheResourcesItNamesAndTheWholeTypeOnAChange() throws Exception {
    // given
    publish(90);
    AdsClients.Sotw client = new AdsClients.Sotw(channel);
    Node node = gatewayNode("envoy-1");

    // when: it asks for listeners (wildcard) and then the route its listener names
    client.request(node, TypeUrls.LISTENER, List.of(), "", "", false);
    DiscoveryResponse listeners = client.next();
    client.request(
        node,
        TypeUrls.LISTENER,
        List.of(),
        listeners.getVersionInfo(),
        listeners.getNonce(),
        false);
    client.request(node, TypeUrls.ROUTE, List.of("default/edge/80"), "", "", false);
    DiscoveryResponse routes = client.next();
    client.request(
        node,
        TypeUrls.ROUTE,
        List.of("default/edge/80"),
        routes.getVersionInfo(),
        routes.getNonce(),
        false);

    // then
    assertThat(listeners.getResourcesCount()).isEqualTo(1);
    assertThat(routes.getResourcesCount()).isEqualTo(1);

    // and a route change sends the route type again, in full, and nothing for listeners
    publish(50);
    DiscoveryResponse changed = client.next();
    assertThat(changed.getTypeUrl()).isEqualTo(TypeUrls.ROUTE);
    assertThat(changed.getResourcesCount()).isEqualTo(1);
    assertThat(changed.getVersionInfo()).isNotEqualTo(routes.getVersionInfo());
    assertThat(client.received.poll(200, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void aStreamGetsTheGroupOfItsCredentialAndIsRefusedWhenItClaimsAnother() throws Exception {
    // given: a strict server whose streams carry a certificate for the edge gateway
    publish(90);
    String strictName = name + "-strict";
    io.grpc.ServerInterceptor certificate =
        AdsClients.presenting(
            new io.meshgate.xds.security.PeerIdentity(
                java.util.Optional.of("gateway/default/edge"), java.util.Optional.empty()));
    Server strict =
        InProcessServerBuilder.forName(strictName)
            .directExecutor()
            .addService(
                io.grpc.ServerInterceptors.intercept(
                    new AdsService(
                        store,
                        new io.meshgate.xds.security.Authorizer(
                            io.meshgate.xds.security.TokenCheck.NONE, false)),
                    certificate))
            .build()
            .start();
    ManagedChannel strictChannel =
        InProcessChannelBuilder.forName(strictName).directExecutor().build();
    try {
      // when: one stream claims nothing, another claims the proxyless group
      AdsClients.Sotw fine = new AdsClients.Sotw(strictChannel);
      AdsClients.Sotw sneaky = new AdsClients.Sotw(strictChannel);
      fine.requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(Node.newBuilder().setId("edge-1"))
              .setTypeUrl(TypeUrls.LISTENER)
              .build());
      sneaky.requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(
                  Node.newBuilder()
                      .setId("sneaky")
                      .setMetadata(
                          Struct.newBuilder()
                              .putFields(
                                  ProxyGroups.PROXYLESS,
                                  Value.newBuilder().setStringValue("true").build())))
              .setTypeUrl(TypeUrls.LISTENER)
              .build());

      // then: the first gets the edge gateway's listeners, the second is refused
      DiscoveryResponse listeners = fine.received.poll(5, TimeUnit.SECONDS);
      assertThat(listeners).isNotNull();
      assertThat(
              listeners
                  .getResources(0)
                  .unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class)
                  .getName())
          .isEqualTo("default/edge/80");
      Throwable error = sneaky.errors.poll(5, TimeUnit.SECONDS);
      assertThat(io.grpc.Status.fromThrowable(error).getCode())
          .isEqualTo(io.grpc.Status.Code.PERMISSION_DENIED);
      assertThat(io.grpc.Status.fromThrowable(error).getDescription())
          .contains("claims group proxyless");
    } finally {
      strictChannel.shutdownNow();
      strict.shutdownNow();
    }
  }
}
