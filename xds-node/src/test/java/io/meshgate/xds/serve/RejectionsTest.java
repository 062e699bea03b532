package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.meshgate.xds.snapshot.TypeUrls;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RejectionsTest {
  /** A clock that moves only when told to. */
  private static final class ManualClock extends Clock {
    private Instant now = Instant.ofEpochMilli(1_000);

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private final ManualClock clock = new ManualClock();

  private static Rejections.Rejection rejection(String version, String... names) {
    return new Rejections.Rejection(version, Set.of(names), "bad");
  }

  @Test
  void aRejectionIsFoundByGroupNodeAndTypeUntilTheNodeAcceptsThatVersion() {
    // given
    Rejections rejections = new Rejections();
    rejections.remember("g", "envoy-1", TypeUrls.ROUTE, rejection("v2", "r1"));

    // then
    assertThat(rejections.find("g", "envoy-1", TypeUrls.ROUTE)).contains(rejection("v2", "r1"));
    assertThat(rejections.find("g", "envoy-1", TypeUrls.CLUSTER)).isEmpty();
    assertThat(rejections.find("other", "envoy-1", TypeUrls.ROUTE)).isEmpty();

    // when: it accepts another version, then the rejected one
    rejections.accepted("g", "envoy-1", TypeUrls.ROUTE, "v3");
    assertThat(rejections.find("g", "envoy-1", TypeUrls.ROUTE)).isPresent();
    rejections.accepted("g", "envoy-1", TypeUrls.ROUTE, "v2");

    // then
    assertThat(rejections.find("g", "envoy-1", TypeUrls.ROUTE)).isEmpty();
    assertThat(rejections.nodes()).isZero();
  }

  @Test
  void theNodesUsedLeastRecentlyAreForgottenBeyondTheNodeBound() {
    // given: room for two nodes
    Rejections rejections = new Rejections(2, 1_000);
    rejections.remember("g", "a", TypeUrls.ROUTE, rejection("v", "r1"));
    rejections.remember("g", "b", TypeUrls.ROUTE, rejection("v", "r1"));
    rejections.find("g", "a", TypeUrls.ROUTE); // a is now used more recently than b

    // when
    rejections.remember("g", "c", TypeUrls.ROUTE, rejection("v", "r1"));

    // then
    assertThat(rejections.nodes()).isEqualTo(2);
    assertThat(rejections.find("g", "b", TypeUrls.ROUTE)).isEmpty();
    assertThat(rejections.find("g", "a", TypeUrls.ROUTE)).isPresent();
    assertThat(rejections.find("g", "c", TypeUrls.ROUTE)).isPresent();
  }

  @Test
  void theNodesUsedLeastRecentlyAreForgottenBeyondTheNameBound() {
    // given: room for five names
    Rejections rejections = new Rejections(100, 5);
    rejections.remember("g", "a", TypeUrls.ROUTE, rejection("v", "r1", "r2", "r3"));

    // when: another node rejects three more
    rejections.remember("g", "b", TypeUrls.CLUSTER, rejection("v", "c1", "c2", "c3"));

    // then
    assertThat(rejections.find("g", "a", TypeUrls.ROUTE)).isEmpty();
    assertThat(rejections.find("g", "b", TypeUrls.CLUSTER)).isPresent();

    // and a single node over the bound is still kept: it is the one just seen
    rejections.remember("g", "c", TypeUrls.ROUTE, rejection("v", "1", "2", "3", "4", "5", "6"));
    assertThat(rejections.nodes()).isEqualTo(1);
    assertThat(rejections.find("g", "c", TypeUrls.ROUTE)).isPresent();
  }

  @Test
  void theLatestRejectionsComeFirstWithWhenAndTheirNamesSorted() {
    // given: three NACKs a second apart
    Rejections rejections = new Rejections(clock, PeerRejections.NONE);
    rejections.remember("g", "a", TypeUrls.ROUTE, rejection("v1", "r2", "r1"));
    clock.advance(Duration.ofSeconds(1));
    rejections.remember("g", "b", TypeUrls.ROUTE, rejection("v1", "r1"));
    clock.advance(Duration.ofSeconds(1));
    rejections.remember("g", "a", TypeUrls.CLUSTER, rejection("v7", "c1"));

    // when
    List<NodeRejection> recent = rejections.recent(2);

    // then
    assertThat(recent)
        .containsExactly(
            new NodeRejection("g", "a", TypeUrls.CLUSTER, "v7", List.of("c1"), 3_000),
            new NodeRejection("g", "b", TypeUrls.ROUTE, "v1", List.of("r1"), 2_000));
    assertThat(rejections.recent(10).get(2).names()).containsExactly("r1", "r2");
  }

  @Test
  void everyChangeOfTheMemoryIsNotifiedAndNothingElse() {
    // given
    Rejections rejections = new Rejections(clock, PeerRejections.NONE);
    AtomicInteger changes = new AtomicInteger();
    rejections.onChange(changes::incrementAndGet);

    // when / then
    rejections.remember("g", "a", TypeUrls.ROUTE, rejection("v1", "r1"));
    assertThat(changes).hasValue(1);
    rejections.accepted("g", "a", TypeUrls.ROUTE, "v0");
    rejections.find("g", "a", TypeUrls.ROUTE);
    assertThat(changes).hasValue(1);
    rejections.accepted("g", "a", TypeUrls.ROUTE, "v1");
    assertThat(changes).hasValue(2);
  }

  @Test
  void aNewStreamInheritsThePeersRejectionUnlessThisReplicasOwnIsLater() {
    // given: replica-a published a NACK of v2 at t = 5 s
    NodeRejection published =
        new NodeRejection("g", "envoy-1", TypeUrls.CLUSTER, "v2", List.of("c1"), 5_000);
    PeerRejections peers =
        (group, node, type) ->
            group.equals("g") && node.equals("envoy-1") && type.equals(TypeUrls.CLUSTER)
                ? Optional.of(new PeerRejections.Found("replica-a", published))
                : Optional.empty();
    Rejections rejections = new Rejections(clock, peers);

    // then: with nothing here, the peer's rejection, its detail naming the replica
    Rejections.Rejection inherited =
        rejections.inherited("g", "envoy-1", TypeUrls.CLUSTER).orElseThrow();
    assertThat(inherited.version()).isEqualTo("v2");
    assertThat(inherited.names()).containsExactly("c1");
    assertThat(inherited.detail()).contains("replica-a");
    assertThat(rejections.inherited("g", "envoy-2", TypeUrls.CLUSTER)).isEmpty();

    // and an older one here (t = 1 s) gives way to it
    rejections.remember("g", "envoy-1", TypeUrls.CLUSTER, rejection("v1", "c9"));
    assertThat(rejections.inherited("g", "envoy-1", TypeUrls.CLUSTER).orElseThrow().version())
        .isEqualTo("v2");

    // and a later one here (t = 9 s) holds
    clock.advance(Duration.ofSeconds(8));
    rejections.remember("g", "envoy-1", TypeUrls.CLUSTER, rejection("v3", "c1"));
    assertThat(rejections.inherited("g", "envoy-1", TypeUrls.CLUSTER).orElseThrow().version())
        .isEqualTo("v3");
  }

  @Test
  void anEarlierRunsRejectionsAreAdoptedWithoutReplacingThisRunsOwn() {
    // given: this run heard a NACK of v5 from envoy-1
    Rejections rejections = new Rejections(clock, PeerRejections.NONE);
    rejections.remember("g", "envoy-1", TypeUrls.ROUTE, rejection("v5", "r1"));
    List<Integer> changes = new ArrayList<>();
    rejections.onChange(() -> changes.add(1));

    // when: it adopts what its predecessor published
    rejections.adopt(
        List.of(
            new NodeRejection("g", "envoy-1", TypeUrls.ROUTE, "v4", List.of("r1"), 500),
            new NodeRejection("g", "envoy-2", TypeUrls.ROUTE, "v4", List.of("r2"), 600)));

    // then
    assertThat(rejections.find("g", "envoy-1", TypeUrls.ROUTE).orElseThrow().version())
        .isEqualTo("v5");
    assertThat(rejections.find("g", "envoy-2", TypeUrls.ROUTE).orElseThrow().names())
        .containsExactly("r2");
    assertThat(rejections.recent(10))
        .extracting(NodeRejection::nodeId, NodeRejection::at)
        .containsExactly(tuple("envoy-1", 1_000L), tuple("envoy-2", 600L));
    assertThat(changes).hasSize(1);
  }
}
