package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.discovery.EndpointDiscovery.SourceState;
import io.meshgate.xds.serve.StreamStatus;
import io.meshgate.xds.serve.TypeStatus;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The per-group summaries a replica writes for the status leader (no etcd needed). */
class AckReporterTest {
  private static final String GROUP = "gateway/default/edge";

  private static SnapshotStore storeAt(String routeVersion) {
    SnapshotStore store = new SnapshotStore();
    store.replaceAll(
        List.of(
            new GroupSnapshot(
                GROUP,
                7,
                Map.of(
                    TypeUrls.ROUTE,
                    new TypeResources(TypeUrls.ROUTE, routeVersion, new TreeMap<>())))));
    return store;
  }

  private static JsonNode proxy(SnapshotStore store, StreamStatus stream) throws Exception {
    String json = AckReporter.summaries("r1", store, List.of(stream)).get(GROUP);
    return Mappers.json().readTree(json).path("proxies").get(0);
  }

  @Test
  void aRejectingProxysErrorDetailIsCutTo1KiB() throws Exception {
    // given: a stream whose TypeStatus carries an uncut detail (as an older build kept it)
    TypeStatus route =
        new TypeStatus(TypeUrls.ROUTE, "v2", null, "v1", "v2", "y".repeat(50_000), 2, "v1", 5);
    StreamStatus stream = new StreamStatus(1, "envoy-1", GROUP, false, List.of(route));

    // when
    JsonNode proxy = proxy(storeAt("v2"), stream);

    // then
    assertThat(proxy.path("state").asText()).isEqualTo(AckState.REJECTED.wireName());
    String detail = proxy.path("errorDetail").asText();
    assertThat(detail.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(1024);
    assertThat(detail).endsWith("… (cut, 50000 bytes)");
  }

  @Test
  void aReconnectedProxyKnownToRejectTheCurrentVersionIsRejectedThoughNothingWasSent()
      throws Exception {
    // given: a new stream that was sent nothing, remembering the NACK of the current version
    TypeStatus route =
        new TypeStatus(TypeUrls.ROUTE, null, null, null, "v2", "bad route", 0, null, -1);
    StreamStatus stream = new StreamStatus(2, "envoy-1", GROUP, false, List.of(route));

    // when
    JsonNode proxy = proxy(storeAt("v2"), stream);

    // then
    assertThat(proxy.path("state").asText()).isEqualTo(AckState.REJECTED.wireName());
    assertThat(proxy.path("errorDetail").asText()).isEqualTo("bad route");
  }

  private static StreamStatus synced(long id, String node, long revision) {
    return new StreamStatus(
        id,
        node,
        GROUP,
        false,
        List.of(new TypeStatus(TypeUrls.ROUTE, "v2", null, "v2", null, null, 1, "v2", revision)));
  }

  private static StreamStatus pending(long id, String node, long revision) {
    return new StreamStatus(
        id,
        node,
        GROUP,
        false,
        List.of(new TypeStatus(TypeUrls.ROUTE, "v2", "n", "v1", null, null, 2, "v1", revision)));
  }

  private static StreamStatus rejecting(long id, String node, String detail) {
    return new StreamStatus(
        id,
        node,
        GROUP,
        false,
        List.of(new TypeStatus(TypeUrls.ROUTE, "v2", null, "v1", "v2", detail, 2, "v1", 3)));
  }

  private static String node(int i) {
    // node ids as long as a stream may have them: 256 bytes
    return String.format("%05d-", i) + "n".repeat(250);
  }

  @Test
  void aSummaryOfTenThousandProxiesHoldsOneEntryPerStateAndStaysSmall() throws Exception {
    // given: 10,000 proxies with 256-byte node ids; 500 of them reject with 1 KiB details of
    // their own, so there are more states than entries
    List<StreamStatus> streams = new ArrayList<>();
    for (int i = 0; i < 9_000; i++) {
      streams.add(synced(i, node(i), 7));
    }
    for (int i = 9_000; i < 9_500; i++) {
      streams.add(pending(i, node(i), 5));
    }
    for (int i = 9_500; i < 10_000; i++) {
      streams.add(rejecting(i, node(i), i + ":" + "x".repeat(2_000)));
    }

    // when
    String json = AckReporter.summaries("r1", storeAt("v2"), streams).get(GROUP);

    // then: under the limit, every proxy counted, rejections first
    assertThat(json.getBytes(StandardCharsets.UTF_8))
        .hasSizeLessThanOrEqualTo(AckReporter.MAX_SUMMARY_BYTES);
    JsonNode summary = Mappers.json().readTree(json);
    assertThat(summary.path("connected").asInt()).isEqualTo(10_000);
    JsonNode entries = summary.path("proxies");
    assertThat(entries.size()).isEqualTo(AckReporter.MAX_ENTRIES);
    int counted = 0;
    for (JsonNode entry : entries) {
      counted += entry.path("count").asInt();
      assertThat(entry.path("nodes").size()).isBetween(1, AckReporter.SAMPLE_NODES);
    }
    assertThat(counted).isEqualTo(10_000);
    assertThat(entries.get(0).path("state").asText()).isEqualTo(AckState.REJECTED.wireName());
  }

  @Test
  void proxiesFoldedPastTheEntryLimitAreNeverReportedAsHoldingWhatTheyDoNot() throws Exception {
    // given: 250 pending proxies at revisions 1..250 and 1,000 synced at 300: 251 states
    List<StreamStatus> streams = new ArrayList<>();
    for (int i = 1; i <= 250; i++) {
      streams.add(pending(i, "p" + i, i));
    }
    for (int i = 0; i < 1_000; i++) {
      streams.add(synced(1_000 + i, "s" + i, 300));
    }
    JsonNode summary =
        Mappers.json().readTree(AckReporter.summaries("r1", storeAt("v2"), streams).get(GROUP));
    List<Conditions.ProxyAck> proxies = StatusWriter.proxies(summary);
    Conditions.Fleet fleet = new Conditions.Fleet(Map.of("r1", 300L), Map.of(GROUP, proxies));

    for (long written : new long[] {100, 220, 260}) {
      // when
      Conditions.Desired programmed =
          Conditions.programmed(Set.of(GROUP), proxies, fleet, written, 1);

      // then: at least as many not holding it as truly do not (revisions below it), never fewer
      long exact = Math.min(written - 1, 250);
      assertThat(programmed.status()).as("written at %d", written).isEqualTo(ConditionStatus.FALSE);
      long reported = Long.parseLong(programmed.message().split(" ")[0]);
      assertThat(reported).as("written at %d", written).isBetween(exact, 1_250L);
      assertThat(programmed.message()).contains(" of 1250 connected proxies");
    }
  }

  @Test
  void theMemberKeyCountsSourcesByKindAndSaysSinceWhenTheOldestStaleOneIsSilent() {
    // given
    Instant earlier = Instant.parse("2026-12-06T18:00:00Z");
    Instant later = Instant.parse("2026-12-06T18:05:00Z");
    List<SourceState> states =
        List.of(
            new SourceState("consul/dc1/web", 12, earlier, null, null),
            new SourceState("consul/dc2/web", 9, earlier, later, "connection refused"),
            new SourceState("consul/dc3/web", 4, earlier, earlier, "connection refused"),
            new SourceState("dns/api.example.com", 0, earlier, null, null));

    // when
    JsonNode sources = AckReporter.sources(states);

    // then
    assertThat(sources.toString())
        .isEqualTo(
            "{\"consul\":{\"watches\":3,\"stale\":2,\"staleSince\":\"2026-12-06T18:00:00Z\"},"
                + "\"dns\":{\"watches\":1,\"stale\":0}}");
    assertThat(AckReporter.sources(List.of()).toString()).isEqualTo("{}");
  }
}
