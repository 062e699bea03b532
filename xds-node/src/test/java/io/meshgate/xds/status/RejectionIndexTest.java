package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.xds.serve.NodeRejection;
import io.meshgate.xds.serve.PeerRejections;
import io.meshgate.xds.snapshot.TypeUrls;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The merge of what the other replicas published. */
class RejectionIndexTest {
  private static NodeRejection nack(String nodeId, String version, long at) {
    return new NodeRejection("g", nodeId, TypeUrls.CLUSTER, version, List.of("c1"), at);
  }

  @Test
  void theReplicasOwnKeyIsLeftOut() {
    // when
    RejectionIndex index =
        RejectionIndex.of(
            "r1",
            Map.of(
                "r1", List.of(nack("envoy-1", "v1", 1)), "r2", List.of(nack("envoy-2", "v1", 1))));

    // then
    assertThat(index.find("g", "envoy-1", TypeUrls.CLUSTER)).isEmpty();
    assertThat(index.find("g", "envoy-2", TypeUrls.CLUSTER))
        .contains(new PeerRejections.Found("r2", nack("envoy-2", "v1", 1)));
    assertThat(index.find("g", "envoy-2", TypeUrls.ROUTE)).isEmpty();
    assertThat(index.size()).isEqualTo(1);
  }

  @Test
  void ofTwoReplicasRejectionsOfOneNodeTheLatestHolds() {
    // given: envoy-1 NACKed v1 at r2, then v2 at r3; envoy-2 NACKed at the same time at both
    Map<String, List<NodeRejection>> published =
        Map.of(
            "r2", List.of(nack("envoy-1", "v1", 1_000), nack("envoy-2", "v5", 3_000)),
            "r3", List.of(nack("envoy-1", "v2", 2_000), nack("envoy-2", "v6", 3_000)));

    // when
    RejectionIndex index = RejectionIndex.of("r1", published);

    // then
    assertThat(index.find("g", "envoy-1", TypeUrls.CLUSTER).orElseThrow().rejection().version())
        .isEqualTo("v2");
    assertThat(index.find("g", "envoy-2", TypeUrls.CLUSTER).orElseThrow().replica())
        .as("at the same time, the replica id that sorts last, on every replica alike")
        .isEqualTo("r3");
  }
}
