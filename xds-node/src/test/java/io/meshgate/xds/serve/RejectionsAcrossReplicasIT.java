package io.meshgate.xds.serve;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.config.store.Keyspace;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.serve.SimulatedProxy.Answer;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.status.PublishedRejections;
import io.meshgate.xds.status.SharedRejections;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two replicas on one real etcd, each wired as XdsNode wires one (SharedRejections under its ADS
 * service), serving the same snapshots: a proxy that NACKed a version at one and reconnects to the
 * other holding its earlier config is not sent that version; one that starts empty is; and a
 * replica restarted under its id keeps what it published before.
 */
class RejectionsAcrossReplicasIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final String GROUP = "gateway/default/edge";
  private static final Duration WAIT = Duration.ofSeconds(15);

  /** Replica ids of this run's own: published keys outlive a run by their lease's 5 minutes. */
  private static final String RUN = Long.toString(System.nanoTime(), 36);

  private final GroupConfig config = new GroupConfig();
  private final List<Replica> replicas = new ArrayList<>();

  /** One replica: its snapshots, its share of the rejections, its ADS service and a channel. */
  private final class Replica implements AutoCloseable {
    final String id;
    final SnapshotStore store = new SnapshotStore();
    final SharedRejections rejections;
    final AdsService ads;
    final Server server;
    final ManagedChannel channel;

    Replica(String id) throws Exception {
      this.id = id;
      config.publishTo(store);
      Client client = etcd.newClient();
      rejections = SharedRejections.start(client, id, Clock.systemUTC());
      ads =
          new AdsService(
              store,
              Authorizer.anonymousAllowed(),
              new StreamAdmission(StreamAdmission.DEFAULT_PER_SECOND),
              rejections.rejections());
      String name = "replica-" + id + "-" + System.nanoTime();
      server =
          InProcessServerBuilder.forName(name).directExecutor().addService(ads).build().start();
      channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    /** The stream of {@code nodeId} opened last, and its state of {@code typeUrl}. */
    TypeStatus status(String nodeId, String typeUrl) {
      List<StreamStatus> streams =
          ads.streams().stream().filter(s -> s.nodeId().equals(nodeId)).toList();
      assertThat(streams).as("streams of " + nodeId + " at " + id).isNotEmpty();
      return streams.get(streams.size() - 1).types().stream()
          .filter(t -> t.typeUrl().equals(typeUrl))
          .findFirst()
          .orElseThrow();
    }

    /** Stops as XdsNode does: the streams end, then the rejections are published a last time. */
    @Override
    public void close() {
      channel.shutdownNow();
      server.shutdownNow();
      ads.endAllStreams();
      rejections.close();
    }
  }

  @BeforeEach
  void config() {
    config
        .set(GROUP, TypeUrls.CLUSTER, "c1", "a")
        .set(GROUP, TypeUrls.CLUSTER, "c2", "a")
        .set(GROUP, TypeUrls.LISTENER, "l1", "a");
  }

  @AfterEach
  void stop() {
    replicas.forEach(Replica::close);
  }

  private Replica start(String id) throws Exception {
    Replica replica = new Replica(id);
    replicas.add(replica);
    return replica;
  }

  /** A change, built alike by every replica (versions are content hashes). */
  private void change(String typeUrl, String name, String tag) {
    config.set(GROUP, typeUrl, name, tag);
    replicas.forEach(r -> config.publishTo(r.store));
  }

  private static Node node(String id) {
    return Node.newBuilder()
        .setId(id)
        .setMetadata(
            Struct.newBuilder()
                .putFields(ProxyGroups.GATEWAY, Value.newBuilder().setStringValue("edge").build()))
        .build();
  }

  private static KeyValue published(String replicaId) throws Exception {
    List<KeyValue> kvs =
        etcd.client()
            .getKVClient()
            .get(ByteSequence.from(Keyspace.rejections(replicaId), UTF_8))
            .get(10, TimeUnit.SECONDS)
            .getKvs();
    assertThat(kvs).as(Keyspace.rejections(replicaId)).hasSize(1);
    return kvs.get(0);
  }

  @Test
  void stateOfTheWorld() throws Exception {
    aProxyThatNackedAtAStoppedReplicaIsNotSentThatVersionByAnother(
        "envoy-sotw", (channel, node) -> SimulatedProxy.Sotw.open(channel, node));
  }

  @Test
  void delta() throws Exception {
    aProxyThatNackedAtAStoppedReplicaIsNotSentThatVersionByAnother(
        "envoy-delta", (channel, node) -> SimulatedProxy.Delta.open(channel, node));
  }

  private void aProxyThatNackedAtAStoppedReplicaIsNotSentThatVersionByAnother(
      String nodeId, BiFunction<ManagedChannel, Node, SimulatedProxy> open) throws Exception {
    // given: replicas A and B (ids of this test's own: etcd outlives the test); a proxy holding
    // every cluster from A rejects c1=b there
    Replica a = start("a-" + nodeId + "-" + RUN);
    Replica b = start("b-" + nodeId + "-" + RUN);
    SimulatedProxy proxy = open.apply(a.channel, node(nodeId));
    proxy.ask(TypeUrls.CLUSTER);
    proxy.ack(proxy.next());
    change(TypeUrls.CLUSTER, "c1", "b");
    Answer rejected = proxy.next();
    proxy.nack(rejected, "c1 is bad: a 20 KiB validation dump would be here");

    // when: A stops gracefully, ending the proxy's stream
    a.close();
    replicas.remove(a);

    // then: A's rejections stay in etcd under a live lease, without the proxy's detail
    KeyValue kept = published(a.id);
    assertThat(kept.getLease()).isNotZero();
    long ttl =
        etcd.client()
            .getLeaseClient()
            .timeToLive(kept.getLease(), LeaseOption.DEFAULT)
            .get(10, TimeUnit.SECONDS)
            .getTTL();
    assertThat(ttl).isPositive().isLessThanOrEqualTo(300);
    String value = kept.getValue().toString(UTF_8);
    assertThat(value).contains(nodeId, rejected.version()).doesNotContain("c1 is bad");
    assertThat(PublishedRejections.decode(value)).hasSize(1);
    await()
        .atMost(WAIT)
        .until(() -> b.rejections.peers().find(GROUP, nodeId, TypeUrls.CLUSTER).isPresent());

    // when: the proxy reconnects to B, holding its earlier clusters
    SimulatedProxy back = proxy.reconnect(b.channel);

    // then: B knows the rejection and has sent nothing for the type
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              TypeStatus clusters = b.status(nodeId, TypeUrls.CLUSTER);
              assertThat(clusters.nackedVersion()).isEqualTo(rejected.version());
              assertThat(clusters.responses()).isZero();
              assertThat(clusters.nackDetail()).contains("replica " + a.id);
            });

    // and a new process with the same node id, holding nothing, is sent the version
    SimulatedProxy restarted = proxy.restart(b.channel);
    Answer fresh = restarted.next();
    assertThat(fresh.version()).isEqualTo(rejected.version());
    assertThat(fresh.tags()).isEqualTo(Map.of("c1", "b", "c2", "a"));

    // and, that process gone, the next version reaches the proxy that held on
    restarted.cancel();
    change(TypeUrls.CLUSTER, "c1", "c");
    Answer next = back.next();
    assertThat(next.tags()).containsEntry("c1", "c");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(b.status(nodeId, TypeUrls.CLUSTER).sentVersion())
                    .isEqualTo(next.version()));
  }

  @Test
  void aReplicaRestartedUnderItsIdKeepsWhatItPublishedBefore() throws Exception {
    // given: replica C heard a NACK of c1=b, and stopped
    Replica c = start("c-" + RUN);
    SimulatedProxy proxy = SimulatedProxy.Sotw.open(c.channel, node("envoy-stays"));
    proxy.ask(TypeUrls.CLUSTER);
    proxy.ack(proxy.next());
    change(TypeUrls.CLUSTER, "c1", "b");
    Answer rejected = proxy.next();
    proxy.nack(rejected, "c1 is bad");
    c.close();
    replicas.remove(c);
    long oldLease = published(c.id).getLease();

    // when: it starts again under the same id
    Replica again = start(c.id);

    // then: it holds the rejection as its own, and publishes it under its new lease
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              KeyValue kv = published(again.id);
              assertThat(kv.getLease()).isNotEqualTo(oldLease);
              assertThat(PublishedRejections.decode(kv.getValue().toString(UTF_8)))
                  .extracting(r -> r.nodeId() + "@" + r.version())
                  .containsExactly("envoy-stays@" + rejected.version());
            });
    SimulatedProxy back = proxy.reconnect(again.channel);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              TypeStatus clusters = again.status("envoy-stays", TypeUrls.CLUSTER);
              assertThat(clusters.nackedVersion()).isEqualTo(rejected.version());
              assertThat(clusters.responses()).isZero();
            });
    assertThat(back.holds(TypeUrls.CLUSTER)).isEqualTo(Map.of("c1", "a", "c2", "a"));
  }
}
