package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * proxy-status's rows, from a replica's /debug/proxies and, when it does not answer, its ACK
 * summary.
 */
class ProxyStatusRowsTest {
  private static JsonNode json(String text) throws Exception {
    return Mappers.json().readTree(text);
  }

  @Test
  void aRowPerStreamWithEachTypesStateTheLowestAckedRevisionAndTheLatestAck() throws Exception {
    JsonNode proxies =
        json(
            """
            {"replica": "r1", "proxies": [
              {"node": "edge-1", "group": "gateway/default/edge", "stream": 3, "protocol": "sotw",
               "types": [
                 {"type": "CDS", "state": "SYNCED", "ackedRevision": 40, "sinceAck": 75},
                 {"type": "EDS", "state": "SYNCED", "ackedRevision": 42, "sinceAck": 12},
                 {"type": "RDS", "state": "NACKED", "ackedRevision": 41, "sinceAck": 3700,
                  "error": "bad route"},
                 {"type": "LDS", "state": "NOT SENT", "ackedRevision": -1, "sinceAck": null}]}]}
            """);

    List<ProxyStatusCommand.Row> rows = ProxyStatusCommand.rows(proxies);

    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).cells())
        .containsExactly(
            "edge-1",
            "gateway/default/edge",
            "r1",
            "NOT SENT",
            "NACKED",
            "SYNCED",
            "SYNCED",
            "-",
            "40",
            "12s");
  }

  @Test
  void anAckSummaryGivesItsSampleNodesMarkedAndTheRestAsMore() throws Exception {
    JsonNode summary =
        json(
            """
            {"replica": "r2", "group": "proxyless", "connected": 5, "proxies": [
              {"state": "Rejected", "ackedRevision": 30,
               "typeUrl": "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
               "errorDetail": "bad", "count": 1, "nodes": ["grpc-9"]},
              {"state": "Synced", "ackedRevision": 31, "count": 4, "nodes": ["a", "b", "c"]}]}
            """);

    List<ProxyStatusCommand.Row> rows = ProxyStatusCommand.summaryRows(summary);

    assertThat(rows)
        .extracting(ProxyStatusCommand.Row::node)
        .containsExactly("grpc-9", "a", "b", "c", "+1 more");
    assertThat(rows.get(0).cells())
        .containsExactly("grpc-9", "proxyless", "r2*", "?", "NACKED", "?", "?", "?", "30", "?");
    assertThat(rows.get(4).cells())
        .containsExactly(
            "+1 more",
            "proxyless",
            "r2*",
            "SYNCED",
            "SYNCED",
            "SYNCED",
            "SYNCED",
            "SYNCED",
            "31",
            "?");
  }

  @Test
  void timesSinceTheLastAckReadAsAnOperatorWouldWriteThem() {
    assertThat(ProxyStatusCommand.ago(0)).isEqualTo("0s");
    assertThat(ProxyStatusCommand.ago(185)).isEqualTo("3m5s");
    assertThat(ProxyStatusCommand.ago(7_440)).isEqualTo("2h4m");
  }
}
