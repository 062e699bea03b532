package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.serve.SimulatedProxy.Answer;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.status.PublishedRejections;
import io.meshgate.xds.status.RejectionIndex;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every ADS stream does, state of the world and delta alike: names as asked, the legacy
 * wildcard, ACK gating, NACKs (not re-sent while current, not even across a reconnect to this
 * replica or from another one, but new names still answered), flow control, cancellation, and
 * bounded input. One subclass per stream kind. Client and server run on direct executors over an
 * in-process channel, so a response to a request or a publish has arrived by the time the call
 * returns.
 */
abstract class AdsStreamContract {
  static final String GROUP = "gateway/default/edge";

  final SnapshotStore store = new SnapshotStore();
  final GroupConfig config = new GroupConfig();
  AdsService ads;
  private Server server;
  ManagedChannel channel;

  /** What the other replicas published, as this one's view of them holds it. */
  private volatile PeerRejections peers = PeerRejections.NONE;

  private final List<Server> otherServers = new ArrayList<>();
  private final List<ManagedChannel> otherChannels = new ArrayList<>();

  /** A stream of this kind for {@code node}. */
  final SimulatedProxy open(Node node) {
    return open(node, channel);
  }

  /** A stream of this kind for {@code node}, to the replica at the end of {@code to}. */
  abstract SimulatedProxy open(Node node, Channel to);

  /** A stream of this kind whose proxy reads nothing until told to. */
  abstract SimulatedProxy openNotReading(Node node);

  @BeforeEach
  void start() throws Exception {
    String name = "contract-" + System.nanoTime();
    ads =
        new AdsService(
            store,
            Authorizer.anonymousAllowed(),
            new StreamAdmission(StreamAdmission.DEFAULT_PER_SECOND),
            new Rejections(Clock.systemUTC(), (g, n, t) -> peers.find(g, n, t)));
    server = InProcessServerBuilder.forName(name).directExecutor().addService(ads).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    config
        .set(GROUP, TypeUrls.LISTENER, "l1", "a")
        .set(GROUP, TypeUrls.LISTENER, "l2", "a")
        .set(GROUP, TypeUrls.CLUSTER, "c1", "a")
        .set(GROUP, TypeUrls.CLUSTER, "c2", "a")
        .set(GROUP, TypeUrls.ROUTE, "r1", "a")
        .set(GROUP, TypeUrls.ROUTE, "r2", "a")
        .set(GROUP, TypeUrls.ROUTE, "r3", "a")
        .publishTo(store);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    otherChannels.forEach(ManagedChannel::shutdownNow);
    otherServers.forEach(Server::shutdownNow);
  }

  /** Another replica serving the same snapshots, with a memory of its own. */
  record OtherReplica(String id, Rejections rejections, ManagedChannel channel) {}

  OtherReplica otherReplica(String id) throws Exception {
    String name = "contract-" + id + "-" + System.nanoTime();
    Rejections rejections = new Rejections();
    AdsService other =
        new AdsService(
            store,
            Authorizer.anonymousAllowed(),
            new StreamAdmission(StreamAdmission.DEFAULT_PER_SECOND),
            rejections);
    otherServers.add(
        InProcessServerBuilder.forName(name).directExecutor().addService(other).build().start());
    ManagedChannel otherChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
    otherChannels.add(otherChannel);
    return new OtherReplica(id, rejections, otherChannel);
  }

  /** This replica reads what {@code other} publishes, as the value in etcd carries it. */
  void readPublished(OtherReplica other) {
    String value =
        PublishedRejections.encode(other.rejections().recent(PublishedRejections.MAX_ENTRIES))
            .json();
    peers =
        RejectionIndex.of("this-replica", Map.of(other.id(), PublishedRejections.decode(value)));
  }

  static Node node(String id) {
    return Node.newBuilder()
        .setId(id)
        .setMetadata(
            Struct.newBuilder()
                .putFields(ProxyGroups.GATEWAY, Value.newBuilder().setStringValue("edge").build()))
        .build();
  }

  void change(String typeUrl, String name, String tag) {
    config.set(GROUP, typeUrl, name, tag).publishTo(store);
  }

  /** The newest open stream's state of {@code typeUrl}. */
  TypeStatus status(String typeUrl) {
    assertThat(ads.streams()).isNotEmpty();
    return ads.streams().get(ads.streams().size() - 1).types().stream()
        .filter(t -> t.typeUrl().equals(typeUrl))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theNamesAskedForAreSent() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-1"));

    // when
    proxy.ask(TypeUrls.ROUTE, "r1", "r2");
    Answer routes = proxy.next();
    proxy.ack(routes);

    // then
    assertThat(routes.tags()).containsOnlyKeys("r1", "r2");
    assertThat(proxy.holds(TypeUrls.ROUTE)).isEqualTo(Map.of("r1", "a", "r2", "a"));
    proxy.receivedNothingMore();
  }

  @Test
  void noNamesIsEveryListenerAndEveryCluster() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-1"));

    // when
    proxy.ask(TypeUrls.LISTENER);
    Answer listeners = proxy.next();
    proxy.ask(TypeUrls.CLUSTER);
    Answer clusters = proxy.next();

    // then
    assertThat(listeners.tags()).containsOnlyKeys("l1", "l2");
    assertThat(clusters.tags()).containsOnlyKeys("c1", "c2");
  }

  @Test
  void noNamesOfRoutesIsNoRouteAtAll() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-1"));

    // when: it asks for routes naming none, then for listeners
    proxy.ask(TypeUrls.ROUTE);
    proxy.ask(TypeUrls.LISTENER);

    // then: only the listeners are answered
    assertThat(proxy.next().typeUrl()).isEqualTo(TypeUrls.LISTENER);
    proxy.receivedNothingMore();
  }

  @Test
  void theNextPushWaitsForTheAckOfThePreviousOneAndCarriesTheLatest() throws Exception {
    // given: a response not yet ACKed
    SimulatedProxy proxy = open(node("envoy-slow"));
    proxy.ask(TypeUrls.ROUTE, "r1");
    Answer first = proxy.next();

    // when: two changes before the ACK
    change(TypeUrls.ROUTE, "r1", "b");
    change(TypeUrls.ROUTE, "r1", "c");

    // then: nothing before the ACK, one push of the latest after it
    proxy.receivedNothingMore();
    proxy.ack(first);
    Answer latest = proxy.next();
    assertThat(latest.tags()).isEqualTo(Map.of("r1", "c"));
    proxy.receivedNothingMore();
  }

  @Test
  void aNackedVersionIsNotSentAgainButTheNextOneIs() throws Exception {
    // given: a proxy that holds r1=a and rejects r1=b
    SimulatedProxy proxy = open(node("envoy-nack"));
    proxy.ask(TypeUrls.ROUTE, "r1");
    proxy.ack(proxy.next());
    change(TypeUrls.ROUTE, "r1", "b");
    Answer rejected = proxy.next();
    proxy.nack(rejected, "rejected by test");

    // when: it asks again, as proxies do after a NACK
    proxy.ask(TypeUrls.ROUTE, "r1");

    // then: the rejected version is not sent again; it shows in the stream's state
    proxy.receivedNothingMore();
    assertThat(status(TypeUrls.ROUTE).nackedVersion()).isEqualTo(rejected.version());
    assertThat(status(TypeUrls.ROUTE).nackDetail()).isEqualTo("rejected by test");

    // and the next version is
    change(TypeUrls.ROUTE, "r1", "c");
    Answer next = proxy.next();
    assertThat(next.tags()).isEqualTo(Map.of("r1", "c"));
    proxy.ack(next);
    assertThat(proxy.holds(TypeUrls.ROUTE)).isEqualTo(Map.of("r1", "c"));
  }

  @Test
  void afterANackNamesAskedForLaterAreAnsweredWithoutTheRejectedOnes() throws Exception {
    // given: a proxy that holds r1=a and rejects r1=b (r2 changed in the same version)
    SimulatedProxy proxy = open(node("envoy-nack"));
    proxy.ask(TypeUrls.ROUTE, "r1");
    proxy.ack(proxy.next());
    config
        .set(GROUP, TypeUrls.ROUTE, "r1", "b")
        .set(GROUP, TypeUrls.ROUTE, "r2", "b")
        .publishTo(store);
    proxy.nack(proxy.next(), "r1 is bad");

    // when: it asks for r2 as well, at the version it rejected
    proxy.ask(TypeUrls.ROUTE, "r1", "r2");

    // then: r2 comes, r1=b does not
    Answer more = proxy.next();
    assertThat(more.tags()).isEqualTo(Map.of("r2", "b"));
    proxy.ack(more);
    assertThat(proxy.holds(TypeUrls.ROUTE)).isEqualTo(Map.of("r1", "a", "r2", "b"));
    proxy.receivedNothingMore();
  }

  @Test
  void aProxyThatReconnectsHoldingItsEarlierConfigIsNotSentWhatItRejected() throws Exception {
    // given: a proxy that holds r1=a, rejects r1=b, and loses its stream
    SimulatedProxy proxy = open(node("envoy-back"));
    proxy.ask(TypeUrls.ROUTE, "r1");
    proxy.ack(proxy.next());
    change(TypeUrls.ROUTE, "r1", "b");
    Answer rejected = proxy.next();
    proxy.nack(rejected, "r1 is bad");
    proxy.cancel();

    // when: it reconnects to this replica, saying what it holds
    SimulatedProxy back = proxy.reconnect();

    // then: r1=b is not sent, and the new stream is known to reject it
    back.receivedNothingMore();
    assertThat(status(TypeUrls.ROUTE).nackedVersion()).isEqualTo(rejected.version());

    // and the next version is sent
    change(TypeUrls.ROUTE, "r1", "c");
    assertThat(back.next().tags()).isEqualTo(Map.of("r1", "c"));
  }

  @Test
  void aRestartedProxyIsSentWhatItsPredecessorRejected() throws Exception {
    // given: a proxy that rejected r1=b
    SimulatedProxy proxy = open(node("envoy-new"));
    proxy.ask(TypeUrls.ROUTE, "r1");
    proxy.ack(proxy.next());
    change(TypeUrls.ROUTE, "r1", "b");
    proxy.nack(proxy.next(), "r1 is bad");
    proxy.cancel();

    // when: a new process with the same node id starts empty
    SimulatedProxy restarted = proxy.restart();

    // then: it may accept what its predecessor refused, and is sent it
    Answer answer = restarted.next();
    assertThat(answer.tags()).isEqualTo(Map.of("r1", "b"));
    restarted.ack(answer);
    assertThat(status(TypeUrls.ROUTE).nackedVersion()).isNull();
  }

  @Test
  void aProxyThatNackedOnAnotherReplicaAndReconnectsHoldingConfigIsNotSentItButOneStartingEmptyIs()
      throws Exception {
    // given: a proxy holding every cluster at replica A that rejects c1=b there, and loses its
    // stream; this replica has read what A published
    OtherReplica a = otherReplica("replica-a");
    SimulatedProxy proxy = open(node("envoy-moved"), a.channel());
    proxy.ask(TypeUrls.CLUSTER);
    proxy.ack(proxy.next());
    change(TypeUrls.CLUSTER, "c1", "b");
    Answer rejected = proxy.next();
    proxy.nack(rejected, "c1 is bad");
    proxy.cancel();
    readPublished(a);

    // when: it reconnects to this replica, saying what it holds
    SimulatedProxy back = proxy.reconnect(channel);

    // then: nothing of the rejected version is sent; the new stream shows A's rejection
    back.receivedNothingMore();
    TypeStatus clusters = status(TypeUrls.CLUSTER);
    assertThat(clusters.nackedVersion()).isEqualTo(rejected.version());
    assertThat(clusters.responses()).isZero();
    assertThat(clusters.nackDetail()).contains("replica-a");
    assertThat(back.holds(TypeUrls.CLUSTER)).isEqualTo(Map.of("c1", "a", "c2", "a"));

    // and a new process with the same node id, starting empty, is sent it
    SimulatedProxy restarted = proxy.restart(channel);
    assertThat(restarted.next().tags()).isEqualTo(Map.of("c1", "b", "c2", "a"));

    // and the next version reaches the one that held on
    change(TypeUrls.CLUSTER, "c1", "c");
    assertThat(back.next().tags()).containsEntry("c1", "c");
  }

  @Test
  void aRejectedListenerIsNotSentAgainAfterAReconnectEither() throws Exception {
    // given: a proxy holding every listener that rejects l1=b
    SimulatedProxy proxy = open(node("envoy-lds"));
    proxy.ask(TypeUrls.LISTENER);
    proxy.ack(proxy.next());
    change(TypeUrls.LISTENER, "l1", "b");
    proxy.nack(proxy.next(), "l1 is bad");
    proxy.cancel();

    // when
    SimulatedProxy back = proxy.reconnect();

    // then
    back.receivedNothingMore();
    assertThat(back.holds(TypeUrls.LISTENER)).isEqualTo(Map.of("l1", "a", "l2", "a"));
  }

  @Test
  void aNameDroppedAndAskedForAgainIsSentAgain() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-1"));
    proxy.ask(TypeUrls.ROUTE, "r1", "r2");
    proxy.ack(proxy.next());

    // when: it drops r2 (nothing to answer), then asks for it again
    proxy.ask(TypeUrls.ROUTE, "r1");
    proxy.receivedNothingMore();
    proxy.ask(TypeUrls.ROUTE, "r1", "r2");

    // then
    assertThat(proxy.next().tags()).containsKey("r2");
  }

  @Test
  void aProxyThatDoesNotReadGetsOnlyTheNewestStateOnceItReads() throws Exception {
    // given: a proxy that asks for a route and reads nothing
    SimulatedProxy proxy = openNotReading(node("envoy-stuck"));
    proxy.ask(TypeUrls.ROUTE, "r1");

    // when: the route changes twice meanwhile, and then it reads
    change(TypeUrls.ROUTE, "r1", "b");
    change(TypeUrls.ROUTE, "r1", "c");
    proxy.receivedNothingMore();
    proxy.read(10);

    // then: one response, the newest; nothing was queued behind it
    assertThat(proxy.next().tags()).isEqualTo(Map.of("r1", "c"));
    proxy.receivedNothingMore();
    assertThat(status(TypeUrls.ROUTE).responses()).isEqualTo(1);
  }

  @Test
  void aCancelledStreamLeavesTheRegistryAndTheOthersStillGetChanges() throws Exception {
    // given: two proxies of the group
    SimulatedProxy leaving = open(node("envoy-leaving"));
    SimulatedProxy staying = open(node("envoy-staying"));
    leaving.ask(TypeUrls.ROUTE, "r1");
    leaving.ack(leaving.next());
    staying.ask(TypeUrls.ROUTE, "r1");
    staying.ack(staying.next());

    // when
    leaving.cancel();

    // then
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(ads.streams())
                    .extracting(StreamStatus::nodeId)
                    .containsExactly("envoy-staying"));
    change(TypeUrls.ROUTE, "r1", "b");
    assertThat(staying.next().tags()).isEqualTo(Map.of("r1", "b"));
  }

  @Test
  void aNodeIdOver256BytesIsRefusedAndOneOf256IsServed() throws Exception {
    // given: 129 two-byte characters, and 128
    String tooLong = "é".repeat(129);
    String longest = "é".repeat(128);
    assertThat(longest.getBytes(StandardCharsets.UTF_8)).hasSize(256);

    // when
    SimulatedProxy refused = open(node(tooLong));
    refused.ask(TypeUrls.LISTENER);
    SimulatedProxy served = open(node(longest));
    served.ask(TypeUrls.LISTENER);

    // then
    Throwable error = refused.errors.poll(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Status.fromThrowable(error).getDescription())
        .isEqualTo("node.id: 258 bytes (expected: at most 256 bytes of UTF-8)");
    refused.receivedNothingMore();
    assertThat(served.next().tags()).containsOnlyKeys("l1", "l2");
    assertThat(ads.streams()).extracting(StreamStatus::nodeId).containsExactly(longest);
  }

  @Test
  void aLongNackDetailIsKeptCutAndTheProxyIsStillServed() throws Exception {
    // given
    SimulatedProxy proxy = open(node("envoy-verbose"));
    proxy.ask(TypeUrls.ROUTE, "r1");
    proxy.ack(proxy.next());
    change(TypeUrls.ROUTE, "r1", "b");

    // when: it NACKs with 10 KiB of detail
    proxy.nack(proxy.next(), "x".repeat(10_240));

    // then
    String kept = status(TypeUrls.ROUTE).nackDetail();
    assertThat(kept.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(1024);
    assertThat(kept).startsWith("xxxx").endsWith("… (cut, 10240 bytes)");
    change(TypeUrls.ROUTE, "r1", "c");
    assertThat(proxy.next().tags()).isEqualTo(Map.of("r1", "c"));
  }
}
