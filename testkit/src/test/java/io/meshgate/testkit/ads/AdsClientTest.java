package io.meshgate.testkit.ads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdsClientTest {
  private static final Node NODE = Node.newBuilder().setId("envoy-1").setCluster("edge").build();

  /** Bytes that claim a 5-byte field 1 and end after one: no message parses from them. */
  private static final ByteString TRUNCATED = ByteString.copyFrom(new byte[] {0x0A, 0x05, 0x41});

  private ScriptedAdsServer server;
  private ManagedChannel channel;
  private final List<Answer> answers = new CopyOnWriteArrayList<>();
  private final List<StreamEnd> ends = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedAdsServer();
    channel = server.channel();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    server.close();
  }

  /** Records every answer and end. */
  private class Recording implements AdsObserver {
    @Override
    public void answered(Answer answer) {
      answers.add(answer);
    }

    @Override
    public void ended(StreamEnd end) {
      ends.add(end);
    }
  }

  @Test
  void sotwAcksWithTheVersionAndMergesPartialRouteResponses() throws Exception {
    // given a client holding listeners by wildcard and the route tables they name
    AdsClient[] self = new AdsClient[1];
    AdsClient client =
        AdsClient.builder(NODE, Protocol.SOTW)
            .subscribe(ResourceType.LISTENER, Subscription.wildcard())
            .subscribe(ResourceType.ROUTE, Subscription.named(List.of()))
            .sotwVersions(SotwVersions.CONTENT_HASH)
            .observer(
                new Recording() {
                  @Override
                  public void answered(Answer answer) {
                    super.answered(answer);
                    if (answer instanceof Answer.Accepted a && a.type() == ResourceType.LISTENER) {
                      self[0].subscribe(ResourceType.ROUTE, Set.copyOf(a.unpacked().keySet()));
                    }
                  }
                })
            .build();
    self[0] = client;
    client.open(channel);
    DiscoveryRequest first = server.nextSotw();
    assertThat(first.getTypeUrl()).isEqualTo(ResourceType.LISTENER.typeUrl());
    assertThat(first.getResourceNamesList()).isEmpty();
    assertThat(first.getNode()).isEqualTo(NODE);

    // when listeners a and b arrive
    server.send(sotw(ResourceType.LISTENER, "l1", "n1", listener("a"), listener("b")));

    // then the ACK carries the version and nonce, and the route tables are asked for by name
    DiscoveryRequest ack = server.nextSotw();
    assertThat(ack.getTypeUrl()).isEqualTo(ResourceType.LISTENER.typeUrl());
    assertThat(ack.getVersionInfo()).isEqualTo("l1");
    assertThat(ack.getResponseNonce()).isEqualTo("n1");
    assertThat(ack.hasErrorDetail()).isFalse();
    DiscoveryRequest routes = server.nextSotw();
    assertThat(routes.getTypeUrl()).isEqualTo(ResourceType.ROUTE.typeUrl());
    assertThat(routes.getResourceNamesList()).containsExactly("a", "b");

    // when both route tables arrive, then a partial response carrying only b's new form
    server.send(sotw(ResourceType.ROUTE, "r1", "n2", route("a", "one"), route("b", "one")));
    assertThat(server.nextSotw().getVersionInfo()).isEqualTo("r1");
    Any newB = Any.pack(route("b", "two"));
    server.send(sotw(ResourceType.ROUTE, "r2", "n3", newB));
    DiscoveryRequest partialAck = server.nextSotw();

    // then a is still held and b is held at its new version (the hash of its bytes)
    assertThat(partialAck.getVersionInfo()).isEqualTo("r2");
    assertThat(partialAck.getResourceNamesList()).containsExactly("a", "b");
    assertThat(client.held(ResourceType.ROUTE))
        .containsOnlyKeys("a", "b")
        .containsEntry("a", ContentHash.of(Any.pack(route("a", "one"))))
        .containsEntry("b", ContentHash.of(newB));

    // when listeners come as the whole set without b
    server.send(sotw(ResourceType.LISTENER, "l2", "n4", listener("a")));

    // then b's listener is gone, and so is b's route table, no longer asked for
    assertThat(server.nextSotw().getVersionInfo()).isEqualTo("l2");
    assertThat(server.nextSotw().getResourceNamesList()).containsExactly("a");
    assertThat(client.held(ResourceType.LISTENER)).containsOnlyKeys("a");
    assertThat(client.held(ResourceType.ROUTE)).containsOnlyKeys("a");
    assertThat(answers).allMatch(a -> a instanceof Answer.Accepted).hasSize(4);
  }

  @Test
  void sotwNacksAResourceThatDoesNotParseReportingTheLastAcceptedVersion() throws Exception {
    // given a client that accepted route tables at version r1
    AdsClient client =
        AdsClient.builder(NODE, Protocol.SOTW)
            .subscribe(ResourceType.ROUTE, Subscription.named(List.of("a")))
            .observer(new Recording())
            .build();
    client.open(channel);
    server.nextSotw();
    server.send(sotw(ResourceType.ROUTE, "r1", "n1", route("a", "one")));
    server.nextSotw();

    // when a response carries a route table that does not parse
    server.send(
        DiscoveryResponse.newBuilder()
            .setTypeUrl(ResourceType.ROUTE.typeUrl())
            .setVersionInfo("r2")
            .setNonce("n2")
            .addResources(
                Any.newBuilder().setTypeUrl(ResourceType.ROUTE.typeUrl()).setValue(TRUNCATED))
            .build());

    // then it is NACKed with r1, the nonce and an error detail, and r1 is still what is held
    DiscoveryRequest nack = server.nextSotw();
    assertThat(nack.getVersionInfo()).isEqualTo("r1");
    assertThat(nack.getResponseNonce()).isEqualTo("n2");
    assertThat(nack.getResourceNamesList()).containsExactly("a");
    assertThat(nack.getErrorDetail().getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
    assertThat(nack.getErrorDetail().getMessage()).contains("does not parse as RouteConfiguration");
    assertThat(client.held(ResourceType.ROUTE)).isEqualTo(Map.of("a", "r1"));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(answers).hasSize(2));
    assertThat(answers.get(1))
        .isInstanceOfSatisfying(
            Answer.Rejected.class,
            r -> {
              assertThat(r.reason()).contains("does not parse");
              assertThat(r.received().versionInfo()).isEqualTo("r2");
            });
  }

  @Test
  void deltaSubscribesAcksNacksAndDropsWhatIsUnsubscribedOrRemoved() throws Exception {
    // given a delta client: clusters by wildcard, the assignments of the EDS ones by name
    AdsClient[] self = new AdsClient[1];
    AdsClient client =
        AdsClient.builder(NODE, Protocol.DELTA)
            .subscribe(ResourceType.CLUSTER, Subscription.wildcard())
            .subscribe(ResourceType.ENDPOINT, Subscription.named(List.of()))
            .observer(
                new Recording() {
                  @Override
                  public void answered(Answer answer) {
                    super.answered(answer);
                    if (answer instanceof Answer.Accepted a && a.type() == ResourceType.CLUSTER) {
                      self[0].subscribe(ResourceType.ENDPOINT, client().keySet());
                    }
                  }

                  private Map<String, String> client() {
                    return self[0].held(ResourceType.CLUSTER);
                  }
                })
            .build();
    self[0] = client;
    client.open(channel);
    DeltaDiscoveryRequest first = server.nextDelta();
    assertThat(first.getResourceNamesSubscribeList()).containsExactly("*");
    assertThat(first.getNode()).isEqualTo(NODE);
    assertThat(first.getInitialResourceVersionsMap()).isEmpty();

    // when clusters x and y arrive
    server.send(delta(ResourceType.CLUSTER, "n1", List.of(), cluster("x"), cluster("y")));

    // then the ACK (without the node: Envoy sends it once) and a subscription to x's and y's
    DeltaDiscoveryRequest ack = server.nextDelta();
    assertThat(ack.getResponseNonce()).isEqualTo("n1");
    assertThat(ack.hasErrorDetail()).isFalse();
    assertThat(ack.hasNode()).isFalse();
    DeltaDiscoveryRequest subscribe = server.nextDelta();
    assertThat(subscribe.getTypeUrl()).isEqualTo(ResourceType.ENDPOINT.typeUrl());
    assertThat(subscribe.getResourceNamesSubscribeList()).containsExactlyInAnyOrder("x", "y");
    assertThat(client.held(ResourceType.CLUSTER)).isEqualTo(Map.of("x", "vx", "y", "vy"));

    // when both assignments arrive, then a malformed one
    server.send(delta(ResourceType.ENDPOINT, "n2", List.of(), assignment("x"), assignment("y")));
    assertThat(server.nextDelta().hasErrorDetail()).isFalse();
    server.send(
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(ResourceType.ENDPOINT.typeUrl())
            .setNonce("n3")
            .addResources(
                Resource.newBuilder()
                    .setName("x")
                    .setVersion("bad")
                    .setResource(
                        Any.newBuilder()
                            .setTypeUrl(ResourceType.ENDPOINT.typeUrl())
                            .setValue(TRUNCATED)))
            .build());

    // then it is NACKed and x keeps the version it had
    DeltaDiscoveryRequest nack = server.nextDelta();
    assertThat(nack.getResponseNonce()).isEqualTo("n3");
    assertThat(nack.getErrorDetail().getMessage())
        .contains("x does not parse as ClusterLoadAssignment");
    assertThat(client.held(ResourceType.ENDPOINT)).containsEntry("x", "vx");

    // when cluster y is removed
    server.send(delta(ResourceType.CLUSTER, "n4", List.of("y")));

    // then y is unsubscribed and dropped from both types
    assertThat(server.nextDelta().getResponseNonce()).isEqualTo("n4");
    DeltaDiscoveryRequest unsubscribe = server.nextDelta();
    assertThat(unsubscribe.getResourceNamesUnsubscribeList()).containsExactly("y");
    assertThat(unsubscribe.getResourceNamesSubscribeList()).isEmpty();
    assertThat(client.held(ResourceType.CLUSTER)).containsOnlyKeys("x");
    assertThat(client.held(ResourceType.ENDPOINT)).containsOnlyKeys("x");
  }

  @Test
  void resumeReportsWhatIsHeldAndOpenStartsFromNothing() throws Exception {
    // given a delta client holding cluster x whose stream the server ends
    AdsClient client =
        AdsClient.builder(NODE, Protocol.DELTA)
            .subscribe(ResourceType.CLUSTER, Subscription.wildcard())
            .observer(new Recording())
            .build();
    assertThat(client.open(channel)).isEqualTo(1);
    server.nextDelta();
    server.send(delta(ResourceType.CLUSTER, "n1", List.of(), cluster("x")));
    server.nextDelta();
    server.failDelta();
    await().atMost(Duration.ofSeconds(5)).until(() -> !ends.isEmpty());
    assertThat(ends.get(0)).isInstanceOf(StreamEnd.Failed.class);
    assertThat(ends.get(0).stream()).isEqualTo(1);

    // when it resumes
    assertThat(client.resume(channel)).isEqualTo(2);

    // then the new stream's first request names what it holds, with the node
    DeltaDiscoveryRequest resumed = server.nextDelta();
    assertThat(resumed.getInitialResourceVersionsMap()).isEqualTo(Map.of("x", "vx"));
    assertThat(resumed.getNode()).isEqualTo(NODE);

    // when it opens afresh instead
    client.open(channel);

    // then it reports nothing and holds nothing
    assertThat(server.nextDelta().getInitialResourceVersionsMap()).isEmpty();
    assertThat(client.held(ResourceType.CLUSTER)).isEmpty();
  }

  @Test
  void aCallersRefusalIsSentAsANack() throws Exception {
    // given a client whose caller refuses any route table named "refused"
    AdsClient client =
        AdsClient.builder(NODE, Protocol.SOTW)
            .nodeSent(NodeSent.ON_EVERY_REQUEST)
            .subscribe(ResourceType.ROUTE, Subscription.named(List.of("refused")))
            .observer(
                new Recording() {
                  @Override
                  public Optional<String> refusal(
                      Received received, Map<String, Message> unpacked) {
                    return unpacked.containsKey("refused")
                        ? Optional.of("refused by the test")
                        : Optional.empty();
                  }
                })
            .build();
    client.open(channel);
    server.nextSotw();

    // when that table arrives
    server.send(sotw(ResourceType.ROUTE, "r1", "n1", route("refused", "one")));

    // then it is NACKed with the caller's reason and not held
    DiscoveryRequest nack = server.nextSotw();
    assertThat(nack.getErrorDetail().getMessage()).isEqualTo("refused by the test");
    assertThat(nack.getVersionInfo()).isEmpty();
    assertThat(client.held(ResourceType.ROUTE)).isEmpty();
  }

  private static DiscoveryResponse sotw(
      ResourceType type, String version, String nonce, Message... resources) {
    DiscoveryResponse.Builder response =
        DiscoveryResponse.newBuilder()
            .setTypeUrl(type.typeUrl())
            .setVersionInfo(version)
            .setNonce(nonce);
    for (Message resource : resources) {
      response.addResources(resource instanceof Any any ? any : Any.pack(resource));
    }
    return response.build();
  }

  /** Each resource versioned "v" + its name. */
  private static DeltaDiscoveryResponse delta(
      ResourceType type, String nonce, List<String> removed, Message... resources) {
    DeltaDiscoveryResponse.Builder response =
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(type.typeUrl())
            .setNonce(nonce)
            .addAllRemovedResources(removed);
    for (Message resource : resources) {
      String name = type.nameOf(resource);
      response.addResources(
          Resource.newBuilder()
              .setName(name)
              .setVersion("v" + name)
              .setResource(Any.pack(resource)));
    }
    return response.build();
  }

  private static Listener listener(String name) {
    return Listener.newBuilder().setName(name).build();
  }

  private static RouteConfiguration route(String name, String host) {
    return RouteConfiguration.newBuilder()
        .setName(name)
        .addVirtualHosts(VirtualHost.newBuilder().setName(host).addDomains("*"))
        .build();
  }

  private static Cluster cluster(String name) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS).build();
  }

  private static ClusterLoadAssignment assignment(String name) {
    return ClusterLoadAssignment.newBuilder().setClusterName(name).build();
  }
}
