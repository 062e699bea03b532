package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.embedded.EtcdMember;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.testkit.grpc.EchoServers;
import io.meshgate.testkit.grpc.GrpcXdsClient;
import io.meshgate.xds.testing.PublishedYaml;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * When etcd goes away, serving does not: proxies keep their config and can still call through it,
 * the replica says it is not ready, and it converges by itself when etcd returns. And a replica
 * that stops sends its proxies to another with nothing lost.
 */
class OutageIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(1);

  @RegisterExtension static EchoServers echo = EchoServers.named("blue", "green");

  private static String config(String backend) {
    return """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: blue}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: BLUE, zone: z1}]}}
        ---
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: green}
        spec: {protocol: GRPC, static: {endpoints: [{address: 127.0.0.1, port: GREEN, zone: z1}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: pick}
        spec:
          parentRefs: [{group: meshgate.io, kind: Backend, name: blue}]
          rules: [{backendRefs: [{name: TARGET}]}]
        """
        .replace("BLUE", Integer.toString(echo.address("blue").getPort()))
        .replace("GREEN", Integer.toString(echo.address("green").getPort()))
        .replace("TARGET", backend);
  }

  private static void publish(String yaml) {
    PublishedYaml.publish(kafka.bootstrapServers(), "outage-it", yaml);
  }

  private static NodeSettings settings(String id) {
    return NodeSettings.builder(kafka.bootstrapServers(), etcd.endpointList(), id)
        .anyLoopbackPorts()
        .limits(new ServingLimits(1_000, 20_000, Duration.ofMinutes(30), Duration.ofMillis(500)))
        .build();
  }

  private static int readyz(XdsNode node) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + "/readyz"))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static GrpcXdsClient client(XdsNode node, String id) {
    return GrpcXdsClient.connectTo(new InetSocketAddress("127.0.0.1", node.xdsAddress().getPort()))
        .nodeId(id)
        .nodeCluster("proxyless")
        .locality("", "z1")
        .metadata("meshgate.io/proxyless", "true")
        .build();
  }

  @Test
  void withEveryEtcdMemberDownProxiesKeepTheirConfigAndTheReplicaConvergesWhenEtcdReturns()
      throws Exception {
    try (XdsNode node = XdsNode.start(settings("outage-1"));
        GrpcXdsClient grpc = client(node, "outage-client")) {
      // given: a client routed to blue
      publish(config("blue"));
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> EchoServers.identify(grpc.channel("blue.default")).equals("blue"));
      assertThat(readyz(node)).isEqualTo(200);

      // when: every etcd member is stopped for 30 s
      EtcdMember member = etcd.member(0);
      member.stop();
      try {
        // then: the replica says it is not ready...
        await().atMost(Duration.ofSeconds(10)).until(() -> readyz(node) == 503);
        // ...and the client keeps its config and its calls, for the whole outage (30 s)
        await()
            .during(Duration.ofSeconds(30))
            .atMost(Duration.ofSeconds(35))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () ->
                    EchoServers.identify(grpc.channel("blue.default")).equals("blue")
                        && readyz(node) == 503);
      } finally {
        member.start();
      }

      // when etcd is back: ready again, with no restart, and a change made now reaches the client
      member.awaitHealthy(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(30)).until(() -> readyz(node) == 200);
      publish(config("green"));
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(() -> EchoServers.identify(grpc.channel("blue.default")).equals("green"));
    }
  }

  @Test
  void aStoppingReplicaSendsItsProxiesToAnotherWithNothingLost() throws Exception {
    try (XdsNode first = XdsNode.start(settings("graceful-1"))) {
      XdsNode second = XdsNode.startServingOnly(settings("graceful-2"));
      publish(config("blue"));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  first.snapshots().get("proxyless").isPresent()
                      && second.snapshots().get("proxyless").isPresent()
                      && first.pipeline().builtRevision() == second.pipeline().builtRevision());

      // given: a proxy on the second replica holding its listeners
      Node proxy = Node.newBuilder().setId("mover").setCluster("proxyless").build();
      Recorder onSecond = new Recorder(second.xdsAddress());
      onSecond.ask(proxy);
      DiscoveryResponse held = onSecond.next();

      // when: the second replica stops
      second.close();

      // then: the proxy's stream ends with UNAVAILABLE (so it reconnects)...
      Throwable ended = onSecond.errors.poll(10, TimeUnit.SECONDS);
      assertThat(ended).isNotNull();
      assertThat(Status.fromThrowable(ended).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      onSecond.close();

      // ...and on the first replica it is offered exactly the version it holds: nothing lost
      Recorder onFirst = new Recorder(first.xdsAddress());
      onFirst.ask(proxy);
      DiscoveryResponse again = onFirst.next();
      assertThat(again.getVersionInfo()).isEqualTo(held.getVersionInfo());
      assertThat(again.getResourcesList()).isEqualTo(held.getResourcesList());
      onFirst.close();
    }
  }

  /** A state-of-the-world client that records what it receives. */
  private static final class Recorder implements StreamObserver<DiscoveryResponse> {
    final BlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
    final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    final ManagedChannel channel;
    final StreamObserver<DiscoveryRequest> requests;

    Recorder(InetSocketAddress server) {
      channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
    }

    void ask(Node node) {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(io.meshgate.xds.snapshot.TypeUrls.LISTENER)
              .build());
    }

    DiscoveryResponse next() throws InterruptedException {
      DiscoveryResponse response = received.poll(10, TimeUnit.SECONDS);
      assertThat(response).as("a response").isNotNull();
      return response;
    }

    @Override
    public void onNext(DiscoveryResponse value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
    }

    @Override
    public void onCompleted() {}

    void close() {
      channel.shutdownNow();
    }
  }
}
