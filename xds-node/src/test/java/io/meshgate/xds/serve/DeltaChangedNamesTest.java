package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A delta push compares only the names that changed since the version the proxy holds, and falls
 * back to comparing everything it asks for when the store cannot say what changed (too far behind)
 * or the subscription changed. Fake call, one thread: each response is there when the call returns.
 */
class DeltaChangedNamesTest {
  private static final String GROUP = "gateway/default/edge";
  private static final int ASSIGNMENTS = 100;
  private static final Node NODE = AdsStreamContract.node("envoy-eds");

  private final SnapshotStore store = new SnapshotStore();
  private final GroupConfig config = new GroupConfig();
  private final FakeCall<DeltaDiscoveryResponse> call = new FakeCall<>();
  private DeltaStream stream;

  @BeforeEach
  void subscribeToEveryAssignment() {
    // given: a proxy that holds and ACKed all 100 assignments
    IntStream.range(0, ASSIGNMENTS)
        .forEach(i -> config.set(GROUP, TypeUrls.ENDPOINT, "e" + i, "a"));
    config.publishTo(store);
    stream = (DeltaStream) new AdsService(store).deltaAggregatedResources(call);
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(NODE)
            .setTypeUrl(TypeUrls.ENDPOINT)
            .addAllResourceNamesSubscribe(
                IntStream.range(0, ASSIGNMENTS).mapToObj(i -> "e" + i).toList())
            .build());
    assertThat(last().getResourcesCount()).isEqualTo(ASSIGNMENTS);
    ack();
  }

  @Test
  void aProxyOneSnapshotBehindIsComparedOnTheChangedNamesAlone() {
    // given
    long before = stream.namesCompared();

    // when: one assignment changes, and the proxy ACKs the push
    config.set(GROUP, TypeUrls.ENDPOINT, "e7", "b").publishTo(store);
    DeltaDiscoveryResponse push = last();
    ack();

    // then: e7 alone was sent, after one comparison (not 100 names asked for and 100 held)
    assertThat(tags(push)).isEqualTo(Map.of("e7", "b"));
    assertThat(stream.namesCompared() - before).isEqualTo(1);
    assertThat(call.sent).hasSize(2);
  }

  @Test
  void aRemovedAssignmentIsNamedFromTheChangedNames() {
    // given
    long before = stream.namesCompared();

    // when
    config.remove(GROUP, TypeUrls.ENDPOINT, "e3").publishTo(store);

    // then
    assertThat(last().getRemovedResourcesList()).containsExactly("e3");
    assertThat(last().getResourcesCount()).isZero();
    assertThat(stream.namesCompared() - before).isEqualTo(1);
  }

  @Test
  void aProxyTwoSnapshotsBehindGetsTheChangesOfBoth() {
    // given: the proxy stops reading
    call.ready = false;
    long before = stream.namesCompared();

    // when: two snapshots pass, each changing another assignment, and it reads again
    config.set(GROUP, TypeUrls.ENDPOINT, "e1", "b").publishTo(store);
    config.set(GROUP, TypeUrls.ENDPOINT, "e2", "b").publishTo(store);
    call.becomeReady();

    // then: both, compared on the two changed names
    assertThat(tags(last())).isEqualTo(Map.of("e1", "b", "e2", "b"));
    assertThat(stream.namesCompared() - before).isEqualTo(2);
  }

  @Test
  void aProxyFurtherBehindThanTheStoreKeepsIsComparedInFull() {
    // given: the proxy stops reading
    call.ready = false;
    long before = stream.namesCompared();

    // when: more snapshots pass than the store keeps steps of, then it reads again
    for (int i = 0; i <= SnapshotStore.STEPS_KEPT; i++) {
      config.set(GROUP, TypeUrls.ENDPOINT, "e" + i, "b").publishTo(store);
    }
    call.becomeReady();

    // then: every change, found by comparing all it asks for and all it holds
    Map<String, String> expected = new TreeMap<>();
    IntStream.rangeClosed(0, SnapshotStore.STEPS_KEPT).forEach(i -> expected.put("e" + i, "b"));
    assertThat(tags(last())).isEqualTo(expected);
    assertThat(stream.namesCompared() - before).isEqualTo(2 * ASSIGNMENTS);
  }

  @Test
  void aChangeUndoneBeforeTheProxyReadsSendsNothing() {
    // given
    call.ready = false;
    int sent = call.sent.size();

    // when: e1 changes and changes back
    config.set(GROUP, TypeUrls.ENDPOINT, "e1", "b").publishTo(store);
    config.set(GROUP, TypeUrls.ENDPOINT, "e1", "a").publishTo(store);
    call.becomeReady();

    // then
    assertThat(call.sent).hasSize(sent);
  }

  @Test
  void aNewSubscriptionIsComparedInFull() {
    // given: an assignment it does not ask for yet
    config.set(GROUP, TypeUrls.ENDPOINT, "extra", "a").publishTo(store);
    long before = stream.namesCompared();

    // when: it asks for it
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(NODE)
            .setTypeUrl(TypeUrls.ENDPOINT)
            .addResourceNamesSubscribe("extra")
            .build());

    // then
    assertThat(tags(last())).isEqualTo(Map.of("extra", "a"));
    assertThat(stream.namesCompared() - before).isEqualTo(2 * ASSIGNMENTS + 1);
  }

  @Test
  void aPushWhileTheLastIsUnackedIsComparedFromTheAckedVersion() {
    // given: a push the proxy has not answered yet
    config.set(GROUP, TypeUrls.ENDPOINT, "e1", "b").publishTo(store);
    DeltaDiscoveryResponse first = last();
    long before = stream.namesCompared();

    // when: another change, then the ACK of the first
    config.set(GROUP, TypeUrls.ENDPOINT, "e2", "b").publishTo(store);
    ack(first);

    // then: the second change alone, compared on its one name
    assertThat(tags(last())).isEqualTo(Map.of("e2", "b"));
    assertThat(stream.namesCompared() - before).isEqualTo(1);
  }

  private DeltaDiscoveryResponse last() {
    return call.sent.get(call.sent.size() - 1);
  }

  private void ack() {
    ack(last());
  }

  private void ack(DeltaDiscoveryResponse response) {
    stream.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(NODE)
            .setTypeUrl(TypeUrls.ENDPOINT)
            .setResponseNonce(response.getNonce())
            .build());
  }

  private static Map<String, String> tags(DeltaDiscoveryResponse response) {
    Map<String, String> tags = new TreeMap<>();
    List<Resource> resources = response.getResourcesList();
    resources.forEach(r -> tags.put(r.getName(), GroupConfig.tag(r.getResource())));
    return tags;
  }
}
