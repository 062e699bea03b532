package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import io.meshgate.xds.snapshot.VersionedResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A group's ACK summary is recomputed only when its streams changed: real streams of an {@link
 * AdsService}, driven on the test's thread, and the number of stream statuses the summaries read —
 * a counter, not a timer. Each {@code changed()} call is one period of the reporter.
 */
class AckSummariesTest {
  private static final String EDGE = "gateway/default/edge";
  private static final String WEST = "gateway/default/west";

  private final SnapshotStore store = new SnapshotStore();
  private AdsService ads;
  private AckSummaries summaries;
  private long revision;

  @BeforeEach
  void serve() {
    publish("v1");
    ads = new AdsService(store);
    summaries = new AckSummaries("r1", store, ads.groupStatuses());
  }

  /** Both groups hold cluster c1 tagged {@code tag}, at the next revision. */
  private void publish(String tag) {
    revision++;
    Any cluster = Any.pack(Cluster.newBuilder().setName("c1").setAltStatName(tag).build());
    TreeMap<String, VersionedResource> resources = new TreeMap<>();
    resources.put("c1", new VersionedResource("c1", tag, cluster));
    List<GroupSnapshot> snapshots = new ArrayList<>();
    for (String group : List.of(EDGE, WEST)) {
      snapshots.add(
          new GroupSnapshot(
              group,
              revision,
              Map.of(TypeUrls.CLUSTER, new TypeResources(TypeUrls.CLUSTER, tag, resources))));
    }
    store.replaceAll(snapshots);
  }

  /** A SotW proxy of the gateway that ACKs what it is sent when told to. */
  private final class Proxy {
    final Call call = new Call();
    final StreamObserver<DiscoveryRequest> requests = ads.streamAggregatedResources(call);
    final Node node;

    Proxy(String id, String gateway) {
      node =
          Node.newBuilder()
              .setId(id)
              .setMetadata(
                  Struct.newBuilder()
                      .putFields(
                          ProxyGroups.GATEWAY, Value.newBuilder().setStringValue(gateway).build()))
              .build();
      requests.onNext(request("", ""));
    }

    /** ACKs the last response. */
    Proxy ack() {
      DiscoveryResponse last = call.sent.get(call.sent.size() - 1);
      requests.onNext(request(last.getVersionInfo(), last.getNonce()));
      return this;
    }

    private DiscoveryRequest request(String version, String nonce) {
      return DiscoveryRequest.newBuilder()
          .setNode(node)
          .setTypeUrl(TypeUrls.CLUSTER)
          .setVersionInfo(version)
          .setResponseNonce(nonce)
          .build();
    }
  }

  /** The summaries as a full walk over every stream computes them. */
  private Map<String, String> walkingAll() {
    return AckReporter.summaries("r1", store, ads.streams());
  }

  @Test
  void aReplicaWhoseProxiesHoldStillReadsNoStreamStatusAfterTheFirstSummary() {
    // given: 30 synced proxies in two groups, and the first summaries written
    for (int i = 0; i < 30; i++) {
      new Proxy("envoy-" + i, i % 2 == 0 ? "edge" : "west").ack();
    }
    AckSummaries.Due first = summaries.changed();
    assertThat(first.summaries()).isEqualTo(walkingAll());
    long readFirst = summaries.statusesRead();
    assertThat(readFirst).isEqualTo(30);

    // when: ten periods in which nothing changes
    List<AckSummaries.Due> idle = new ArrayList<>();
    for (int period = 0; period < 10; period++) {
      idle.add(summaries.changed());
    }

    // then: nothing due, and not one more status read
    assertThat(idle).allMatch(due -> due.summaries().isEmpty() && due.gone().isEmpty());
    assertThat(summaries.statusesRead()).isEqualTo(readFirst);
  }

  @Test
  void anAckMakesOnlyItsGroupDueAndItsSummaryIsTheOneAFullWalkGives() {
    // given: one proxy per group, synced, summaries written
    Proxy edge = new Proxy("envoy-edge", "edge").ack();
    new Proxy("envoy-west", "west").ack();
    summaries.changed();
    long before = summaries.statusesRead();

    // when: a new version is sent to both; only the edge proxy ACKs it
    publish("v2");
    summaries.changed();
    edge.ack();
    AckSummaries.Due due = summaries.changed();

    // then: the edge group alone was recomputed, and it says what a full walk says
    assertThat(due.summaries()).containsOnlyKeys(EDGE);
    assertThat(due.summaries().get(EDGE)).isEqualTo(walkingAll().get(EDGE));
    assertThat(due.summaries().get(EDGE)).contains("\"state\":\"Synced\"");
    assertThat(summaries.statusesRead() - before).isEqualTo(2 + 1);
  }

  @Test
  void aNewSnapshotMakesItsGroupsDueEvenWhenNothingIsAckedYet() {
    // given
    new Proxy("envoy-edge", "edge").ack();
    summaries.changed();

    // when: a new version, sent and not yet ACKed
    publish("v2");
    AckSummaries.Due due = summaries.changed();

    // then: the group is due and Pending, as a full walk says
    assertThat(due.summaries()).containsOnlyKeys(EDGE);
    assertThat(due.summaries().get(EDGE)).isEqualTo(walkingAll().get(EDGE));
    assertThat(due.summaries().get(EDGE)).contains("\"state\":\"Pending\"");
  }

  @Test
  void theLastStreamOfAGroupClosingMakesTheGroupGone() {
    // given
    Proxy west = new Proxy("envoy-west", "west").ack();
    new Proxy("envoy-edge", "edge").ack();
    summaries.changed();

    // when
    west.call.cancel();
    AckSummaries.Due due = summaries.changed();

    // then
    assertThat(due.gone()).containsExactly(WEST);
    assertThat(due.summaries()).isEmpty();
  }

  @Test
  void underANewLeaseEveryGroupIsDueThoughNothingChanged() {
    // given
    new Proxy("envoy-edge", "edge").ack();
    new Proxy("envoy-west", "west").ack();
    summaries.changed();

    // when
    AckSummaries.Due due = summaries.all();

    // then
    assertThat(due.summaries()).isEqualTo(walkingAll()).containsOnlyKeys(EDGE, WEST);
  }

  /** A server call's response side without a transport, on the test's thread. */
  private static final class Call extends ServerCallStreamObserver<DiscoveryResponse> {
    final List<DiscoveryResponse> sent = new ArrayList<>();
    private Runnable onCancel = () -> {};
    private boolean cancelled;

    @Override
    public void onNext(DiscoveryResponse value) {
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {
      onCancel = onCancelHandler;
    }

    @Override
    public void setCompression(String compression) {}

    @Override
    public boolean isReady() {
      return !cancelled;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    void cancel() {
      cancelled = true;
      onCancel.run();
    }
  }
}
