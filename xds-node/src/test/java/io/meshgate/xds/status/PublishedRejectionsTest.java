package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.xds.serve.NodeRejection;
import io.meshgate.xds.snapshot.TypeUrls;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The value a replica publishes under /meshgate/v1/rejections/: its bounds and its one spelling.
 */
class PublishedRejectionsTest {
  private static NodeRejection rejection(String nodeId, long at, String... names) {
    return new NodeRejection(
        "gateway/shop/edge", nodeId, TypeUrls.CLUSTER, "v2", List.of(names), at);
  }

  /** {@code count} rejections of distinct nodes, the latest ({@code at} = count - 1) first. */
  private static List<NodeRejection> latestFirst(int count, String nodePrefix, String... names) {
    return IntStream.range(0, count)
        .mapToObj(i -> rejection(nodePrefix + (count - 1 - i), count - 1 - i, names))
        .toList();
  }

  private static int bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void theValueIsOneSpellingWhateverTheOrderOfItsInput() {
    // given: the same two rejections, in both orders, names unsorted
    NodeRejection edge2 =
        new NodeRejection(
            "gateway/shop/edge", "edge-2", TypeUrls.ROUTE, "v9", List.of("r2", "r1"), 2_000);
    NodeRejection edge1 = rejection("edge-1", 1_000, "default/echo");

    // when
    String one = PublishedRejections.encode(List.of(edge2, edge1)).json();
    String other = PublishedRejections.encode(List.of(edge1, edge2)).json();

    // then: sorted by group, node and type, names sorted, compact, nothing but these fields
    assertThat(one).isEqualTo(other);
    assertThat(one)
        .isEqualTo(
            "[{\"group\":\"gateway/shop/edge\",\"nodeId\":\"edge-1\","
                + "\"typeUrl\":\"type.googleapis.com/envoy.config.cluster.v3.Cluster\","
                + "\"version\":\"v2\",\"names\":[\"default/echo\"],\"at\":1000},"
                + "{\"group\":\"gateway/shop/edge\",\"nodeId\":\"edge-2\","
                + "\"typeUrl\":\"type.googleapis.com/envoy.config.route.v3.RouteConfiguration\","
                + "\"version\":\"v9\",\"names\":[\"r1\",\"r2\"],\"at\":2000}]");
    assertThat(PublishedRejections.decode(one)).containsExactly(edge1, edge2);
  }

  @Test
  void atMost2000EntriesAreWrittenTheLatest() {
    // given
    List<NodeRejection> recent = latestFirst(2_100, "edge-", "c1");

    // when
    PublishedRejections.Encoded value = PublishedRejections.encode(recent);

    // then
    assertThat(value.published()).isEqualTo(2_000);
    assertThat(value.dropped()).isEqualTo(100);
    List<NodeRejection> read = PublishedRejections.decode(value.json());
    assertThat(read).hasSize(2_000);
    assertThat(read).extracting(NodeRejection::at).allMatch(at -> at >= 100);
  }

  @Test
  void anEntryOfMoreThan256NamesGoesWithoutThemAndIsNotInherited() {
    // given
    String[] names257 = IntStream.range(0, 257).mapToObj(i -> "c" + i).toArray(String[]::new);
    String[] names256 = IntStream.range(0, 256).mapToObj(i -> "c" + i).toArray(String[]::new);

    // when
    String json =
        PublishedRejections.encode(
                List.of(rejection("wide", 2, names257), rejection("narrow", 1, names256)))
            .json();

    // then
    assertThat(json).contains("\"nodeId\":\"wide\",").contains("\"omittedNames\":257");
    assertThat(json).doesNotContain("\"c256\"");
    List<NodeRejection> read = PublishedRejections.decode(json);
    assertThat(read).extracting(NodeRejection::nodeId).containsExactly("narrow");
    assertThat(read.get(0).names()).hasSize(256);
  }

  @Test
  void anEntryWhoseNamesPass64KiBGoesWithoutThem() {
    // given: two names of 33 KiB
    String long1 = "a".repeat(33 * 1024);
    String long2 = "b".repeat(33 * 1024);

    // when
    String json = PublishedRejections.encode(List.of(rejection("long", 1, long1, long2))).json();

    // then
    assertThat(json).contains("\"omittedNames\":2");
    assertThat(bytes(json)).isLessThan(1024);
    assertThat(PublishedRejections.decode(json)).isEmpty();
  }

  @Test
  void theValueStaysWithin512KiBByDroppingTheOldest() {
    // given: 2,000 entries of about 1 KiB each
    String[] names =
        IntStream.range(0, 4).mapToObj(i -> "n" + i + "-" + "x".repeat(240)).toArray(String[]::new);
    List<NodeRejection> recent = latestFirst(2_000, "edge-" + "y".repeat(100) + "-", names);

    // when
    PublishedRejections.Encoded value = PublishedRejections.encode(recent);

    // then: under the limit, the latest kept, and one entry more would not have fit
    assertThat(bytes(value.json())).isLessThanOrEqualTo(PublishedRejections.MAX_BYTES);
    assertThat(value.dropped()).isPositive();
    assertThat(value.published() + value.dropped()).isEqualTo(2_000);
    List<NodeRejection> read = PublishedRejections.decode(value.json());
    long oldestKept = 2_000 - value.published();
    assertThat(read).extracting(NodeRejection::at).allMatch(at -> at >= oldestKept);
    NodeRejection nextOldest = recent.get(value.published());
    int nextBytes = bytes(PublishedRejections.encode(List.of(nextOldest)).json()) - 2;
    assertThat(bytes(value.json()) + 1 + nextBytes)
        .as("with the next oldest entry and its comma")
        .isGreaterThan(PublishedRejections.MAX_BYTES);
  }

  @Test
  void whatDoesNotReadAsARejectionIsLeftOutAndANonListRefused() {
    // given: a good entry with a field from a newer replica, and two broken ones
    String json =
        "[{\"group\":\"g\",\"nodeId\":\"n\",\"typeUrl\":\"t\",\"version\":\"v\","
            + "\"names\":[\"r1\"],\"at\":7,\"newField\":true},"
            + "{\"group\":\"g\",\"nodeId\":\"n2\"},"
            + "\"text\"]";

    // then
    assertThat(PublishedRejections.decode(json))
        .containsExactly(new NodeRejection("g", "n", "t", "v", List.of("r1"), 7));
    assertThatThrownBy(() -> PublishedRejections.decode("{\"group\":\"g\"}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PublishedRejections.decode("[{"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
