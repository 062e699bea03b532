package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The states in ACK summaries are stored words (docs/status.md); other replicas read them. */
class AckStateTest {
  @Test
  void theWireNamesAreTheStoredWords() {
    assertThat(List.of(AckState.values()))
        .extracting(AckState::wireName)
        .containsExactly("Synced", "Pending", "Rejected");
  }

  @Test
  void aSummaryReadsBackItsStatesAndAnUnknownStateIsPending() throws Exception {
    // given: a summary as a replica writes it, with one state from a newer release
    JsonNode summary =
        Mappers.json()
            .readTree(
                """
                {"replica":"r1","group":"gateway/shop/edge","connected":4,"proxies":[
                  {"state":"Rejected","ackedRevision":7,"typeUrl":"t","errorDetail":"bad",
                   "count":1,"nodes":["edge-1"]},
                  {"state":"Pending","ackedRevision":7,"count":1,"nodes":["edge-2"]},
                  {"state":"Synced","ackedRevision":9,"count":1,"nodes":["edge-3"]},
                  {"state":"Draining","ackedRevision":9,"count":1,"nodes":["edge-4"]}]}
                """);

    // when
    List<Conditions.ProxyAck> proxies = StatusWriter.proxies(summary);

    // then
    assertThat(proxies)
        .extracting(Conditions.ProxyAck::state)
        .containsExactly(AckState.REJECTED, AckState.PENDING, AckState.SYNCED, AckState.PENDING);
  }
}
