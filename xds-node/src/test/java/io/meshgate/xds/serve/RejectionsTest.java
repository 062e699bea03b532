package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.xds.snapshot.TypeUrls;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RejectionsTest {
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
}
