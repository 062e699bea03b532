package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One proxy never costs another its update: a group's streams are pushed to each on its own, oldest
 * first, so a failing stream in the middle of a group is a deterministic case. Fake calls, one
 * thread.
 */
class StreamsTest {
  private static final String GROUP = "gateway/default/edge";

  private final SnapshotStore store = new SnapshotStore();
  private final GroupConfig config = new GroupConfig();
  private AdsService ads;

  @BeforeEach
  void publish() {
    config.set(GROUP, TypeUrls.ROUTE, "r1", "a").publishTo(store);
    ads = new AdsService(store);
  }

  /** A SotW stream through the service, holding route r1 at the current version. */
  private FakeCall<DiscoveryResponse> holdingRoute(String nodeId) {
    FakeCall<DiscoveryResponse> call = new FakeCall<>();
    StreamObserver<DiscoveryRequest> requests = ads.streamAggregatedResources(call);
    Node node = AdsStreamContract.node(nodeId);
    requests.onNext(request(node, "", ""));
    DiscoveryResponse first = call.sent.get(0);
    requests.onNext(request(node, first.getVersionInfo(), first.getNonce()));
    return call;
  }

  private static DiscoveryRequest request(Node node, String version, String nonce) {
    return DiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(TypeUrls.ROUTE)
        .addResourceNames("r1")
        .setVersionInfo(version)
        .setResponseNonce(nonce)
        .build();
  }

  @Test
  void aStreamThatFailsOnSendInTheMiddleOfAGroupLeavesItAndTheOthersGetThePush() {
    // given: three streams of the group; the middle one's proxy is gone, unnoticed
    FakeCall<DiscoveryResponse> first = holdingRoute("first");
    FakeCall<DiscoveryResponse> middle = holdingRoute("middle");
    FakeCall<DiscoveryResponse> last = holdingRoute("last");
    middle.failOnSend = true;

    // when: a change, pushed by the pipeline
    assertThatCode(() -> config.set(GROUP, TypeUrls.ROUTE, "r1", "b").publishTo(store))
        .doesNotThrowAnyException();

    // then: the others got it; the failed one left the registry
    assertThat(first.sent).hasSize(2);
    assertThat(last.sent).hasSize(2);
    assertThat(ads.streams()).extracting(StreamStatus::nodeId).containsExactly("first", "last");
  }

  @Test
  void aCancelledStreamLeavesTheRegistryAtOnceAndIsNotSentTo() {
    // given
    FakeCall<DiscoveryResponse> leaving = holdingRoute("leaving");
    FakeCall<DiscoveryResponse> staying = holdingRoute("staying");

    // when
    leaving.cancel();
    config.set(GROUP, TypeUrls.ROUTE, "r1", "b").publishTo(store);

    // then
    assertThat(ads.streams()).extracting(StreamStatus::nodeId).containsExactly("staying");
    assertThat(leaving.sent).hasSize(1);
    assertThat(staying.sent).hasSize(2);
  }

  @Test
  void aStreamThatIsNotReadyHoldsOnlyTheNewestChange() {
    // given: a stream whose proxy stopped reading
    FakeCall<DiscoveryResponse> slow = holdingRoute("slow");
    FakeCall<DiscoveryResponse> quick = holdingRoute("quick");
    slow.ready = false;

    // when: three changes
    for (String tag : List.of("b", "c", "d")) {
      config.set(GROUP, TypeUrls.ROUTE, "r1", tag).publishTo(store);
    }

    // then: the quick one got the first change (the next wait for its ACK), the slow one nothing
    assertThat(quick.sent).hasSize(2);
    assertThat(slow.sent).hasSize(1);

    // and once it reads, it gets one response: the newest
    slow.becomeReady();
    assertThat(slow.sent).hasSize(2);
    assertThat(GroupConfig.tag(slow.sent.get(1).getResources(0))).isEqualTo("d");
  }

  @Test
  void aStreamThatThrowsOnAChangeIsEndedAndDroppedAndNothingReachesThePipeline() {
    // given: a registry holding a good stream, a broken one, and a good one
    StreamAdmission admission = new StreamAdmission(1_000);
    Streams streams = new Streams(admission, Clock.systemUTC());
    List<String> told = new ArrayList<>();
    TestStream good1 = new TestStream(1, told, false);
    TestStream broken = new TestStream(2, told, true);
    TestStream good2 = new TestStream(3, told, false);
    streams.open(GROUP, good2, Optional.empty());
    streams.open(GROUP, broken, Optional.empty());
    streams.open(GROUP, good1, Optional.empty());

    // when
    assertThatCode(() -> streams.groupChanged(GROUP)).doesNotThrowAnyException();

    // then: told oldest first, the broken one included, and only it ended and dropped
    assertThat(told).containsExactly("1", "2", "3");
    assertThat(broken.ended.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(good1.ended).isNull();
    assertThat(streams.statuses()).extracting(StreamStatus::id).containsExactly(1L, 3L);
    assertThat(admission.openStreams()).as("the dropped stream made room").isEqualTo(2);
  }

  /** A stream that records being told, and may throw as a bug would. */
  private static final class TestStream implements Streams.Stream {
    private final long id;
    private final List<String> told;
    private final boolean throwing;
    Status ended;

    TestStream(long id, List<String> told, boolean throwing) {
      this.id = id;
      this.told = told;
      this.throwing = throwing;
    }

    @Override
    public long id() {
      return id;
    }

    @Override
    public void groupChanged() {
      told.add(Long.toString(id));
      if (throwing) {
        throw new IllegalStateException("a bug");
      }
    }

    @Override
    public StreamStatus status() {
      return new StreamStatus(id, "node-" + id, GROUP, false, List.of());
    }

    @Override
    public void end(Status status) {
      ended = status;
    }
  }
}
