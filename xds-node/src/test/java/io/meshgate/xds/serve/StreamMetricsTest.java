package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshgate.xds.security.Authorizer;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What both stream kinds tell {@link ServeMetrics}: types subscribed while connected, each response
 * and its size, ACKs and NACKs by type and group, refusals by reason, and when a proxy comes to
 * hold everything of a newer snapshot (convergence).
 */
class StreamMetricsTest {
  /** Records every call, as the node's meters would count them. */
  static final class Recording implements ServeMetrics {
    final Map<String, AtomicLong> connected = new ConcurrentHashMap<>();
    final List<String> responses = new CopyOnWriteArrayList<>();
    final List<Integer> sizes = new CopyOnWriteArrayList<>();
    final List<Long> queued = new CopyOnWriteArrayList<>();
    final List<String> acks = new CopyOnWriteArrayList<>();
    final List<String> nacks = new CopyOnWriteArrayList<>();
    final List<Refusal> refusals = new CopyOnWriteArrayList<>();
    final List<List<Long>> converged = new CopyOnWriteArrayList<>();

    @Override
    public void subscribed(String typeUrl, boolean delta) {
      connected
          .computeIfAbsent(typeUrl + (delta ? "/delta" : "/sotw"), k -> new AtomicLong())
          .incrementAndGet();
    }

    @Override
    public void unsubscribed(String typeUrl, boolean delta) {
      connected.get(typeUrl + (delta ? "/delta" : "/sotw")).decrementAndGet();
    }

    @Override
    public void pushed(String typeUrl, int bytes, long queuedNanos) {
      responses.add(typeUrl);
      sizes.add(bytes);
      queued.add(queuedNanos);
    }

    @Override
    public void acked(String typeUrl, String group) {
      acks.add(typeUrl + " " + group);
    }

    @Override
    public void nacked(String typeUrl, String group) {
      nacks.add(typeUrl + " " + group);
    }

    @Override
    public void refused(Refusal reason) {
      refusals.add(reason);
    }

    @Override
    public void converged(long from, long to) {
      converged.add(List.of(from, to));
    }

    long connected(String typeUrl, String protocol) {
      AtomicLong count = connected.get(typeUrl + "/" + protocol);
      return count == null ? 0 : count.get();
    }
  }

  private final SnapshotStore store = new SnapshotStore();
  private final GroupConfig config = new GroupConfig();
  private final Recording metrics = new Recording();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  private ManagedChannel serve(AdsService ads) throws Exception {
    ads.metrics(metrics);
    String name = "metrics-" + System.nanoTime();
    servers.add(
        InProcessServerBuilder.forName(name).directExecutor().addService(ads).build().start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  private static Node node(String id) {
    return Node.newBuilder().setId(id).setCluster("edge").build();
  }

  private void pushAckNackAndConverge(
      BiFunction<ManagedChannel, Node, SimulatedProxy> open, String protocol) throws Exception {
    // given a group at revision 1 and a proxy that asks for its listeners and clusters
    config.set("edge", TypeUrls.LISTENER, "l", "a").set("edge", TypeUrls.CLUSTER, "c", "a");
    config.publishTo(store);
    ManagedChannel channel = serve(new AdsService(store));
    SimulatedProxy proxy = open.apply(channel, node("envoy-1"));
    proxy.ask(TypeUrls.LISTENER);
    proxy.ask(TypeUrls.CLUSTER);
    assertThat(metrics.connected(TypeUrls.LISTENER, protocol)).isEqualTo(1);
    assertThat(metrics.connected(TypeUrls.CLUSTER, protocol)).isEqualTo(1);

    // when it ACKs both first answers
    proxy.ack(proxy.next());
    proxy.ack(proxy.next());

    // then two responses of some bytes went out, first answers (no queue time), both ACKed; it
    // held everything of revision 1 from the start (its baseline), so nothing converged
    assertThat(metrics.responses).containsExactlyInAnyOrder(TypeUrls.LISTENER, TypeUrls.CLUSTER);
    assertThat(metrics.sizes).allMatch(size -> size > 0);
    assertThat(metrics.queued).containsOnly(-1L);
    assertThat(metrics.acks)
        .containsExactlyInAnyOrder(TypeUrls.LISTENER + " edge", TypeUrls.CLUSTER + " edge");
    assertThat(metrics.converged).isEmpty();

    // when revision 2 changes only another group, and revision 3 the listener, which it ACKs
    config.set("other", TypeUrls.LISTENER, "l", "a");
    config.publishTo(store);
    config.set("edge", TypeUrls.LISTENER, "l", "b");
    config.publishTo(store);
    proxy.ack(proxy.next());

    // then the push had a queue time, and the proxy converged for the events of revision 3 only:
    // those of revision 2 left its group as it was
    assertThat(metrics.queued.get(2)).isGreaterThanOrEqualTo(0);
    assertThat(metrics.converged).containsExactly(List.of(2L, 3L));

    // when revision 4 changes the cluster, and the proxy NACKs it
    config.set("edge", TypeUrls.CLUSTER, "c", "b");
    config.publishTo(store);
    proxy.nack(proxy.next(), "bad cluster");

    // then a NACK by type and group, and no convergence to 4
    assertThat(metrics.nacks).containsExactly(TypeUrls.CLUSTER + " edge");
    assertThat(metrics.converged).hasSize(1);

    // when the proxy goes away, it no longer counts as connected
    proxy.cancel();
    assertThat(metrics.connected(TypeUrls.LISTENER, protocol)).isZero();
    assertThat(metrics.connected(TypeUrls.CLUSTER, protocol)).isZero();
  }

  @Test
  void aSotwStreamTellsItsPushesAcksNacksAndConvergence() throws Exception {
    pushAckNackAndConverge(SimulatedProxy.Sotw::open, "sotw");
  }

  @Test
  void aDeltaStreamTellsItsPushesAcksNacksAndConvergence() throws Exception {
    pushAckNackAndConverge(SimulatedProxy.Delta::open, "delta");
  }

  @Test
  void aStreamOverTheCapIsCountedAsRefusedFull() throws Exception {
    // given a replica that takes one stream
    config.set("edge", TypeUrls.LISTENER, "l", "a");
    config.publishTo(store);
    ManagedChannel channel =
        serve(new AdsService(store, Authorizer.anonymousAllowed(), new StreamAdmission(100, 1)));
    SimulatedProxy.Sotw.open(channel, node("envoy-1")).ask(TypeUrls.LISTENER);

    // when a second proxy asks
    SimulatedProxy second = SimulatedProxy.Sotw.open(channel, node("envoy-2"));
    second.ask(TypeUrls.LISTENER);

    // then it is refused, counted by reason, and never counted as connected
    assertThat(metrics.refusals).containsExactly(ServeMetrics.Refusal.FULL);
    assertThat(metrics.connected(TypeUrls.LISTENER, "sotw")).isEqualTo(1);
  }
}
