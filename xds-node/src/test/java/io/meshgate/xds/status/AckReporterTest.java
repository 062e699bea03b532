package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.xds.serve.StreamStatus;
import io.meshgate.xds.serve.TypeStatus;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
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
    assertThat(proxy.path("state").asText()).isEqualTo(AckReporter.REJECTED);
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
    assertThat(proxy.path("state").asText()).isEqualTo(AckReporter.REJECTED);
    assertThat(proxy.path("errorDetail").asText()).isEqualTo("bad route");
  }
}
