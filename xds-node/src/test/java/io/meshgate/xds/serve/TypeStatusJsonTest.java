package io.meshgate.xds.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What /debug/streams prints of a type (AdminServer writes it with the shared mapper). */
class TypeStatusJsonTest {
  @Test
  void anAckedTypePrintsItsTimesAsIsoTextAndLeavesItsNamesOut() {
    TypeStatus acked =
        new TypeStatus(
            "type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "v2",
            null,
            "v2",
            null,
            null,
            2,
            "v2",
            41,
            Instant.parse("2026-12-07T11:00:00Z"),
            Instant.parse("2026-12-07T11:00:01.5Z"),
            null,
            false,
            Set.of("a", "b"),
            Set.of());

    JsonNode json = Mappers.json().valueToTree(acked);

    assertThat(json.path("sentAt").asText()).isEqualTo("2026-12-07T11:00:00Z");
    assertThat(json.path("ackedAt").asText()).isEqualTo("2026-12-07T11:00:01.500Z");
    assertThat(json.has("nackedAt")).isFalse();
    assertThat(json.has("names")).isFalse();
    assertThat(json.path("ackedRevision").asLong()).isEqualTo(41);
  }
}
