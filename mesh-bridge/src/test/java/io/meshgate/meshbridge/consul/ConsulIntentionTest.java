package io.meshgate.meshbridge.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsulIntentionTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theHighestPrecedenceDecidesAndAnExactSourceBeatsTheWildcard() {
    List<ConsulIntention> intentions =
        List.of(
            new ConsulIntention("1", "*", "web", true, 8),
            new ConsulIntention("2", "edge", "web", false, 9),
            new ConsulIntention("3", "billing", "web", true, 9));

    assertThat(ConsulIntention.deciding(intentions, "edge")).map(ConsulIntention::id).contains("2");
    assertThat(ConsulIntention.deciding(intentions, "other"))
        .map(ConsulIntention::id)
        .contains("1");
    assertThat(ConsulIntention.deciding(List.of(), "edge")).isEmpty();
  }

  @Test
  void anAnswerIsReadWithL7IntentionsLeftOutAndOddActionsRefused() throws Exception {
    // given
    String answer =
        """
        {"web": [
          {"ID": "a", "SourceName": "edge", "DestinationName": "web", "Action": "deny", "Precedence": 9},
          {"ID": "b", "SourceName": "api", "DestinationName": "web", "Permissions": [{}], "Precedence": 9}
        ]}
        """;

    // when
    List<ConsulIntention> read = ConsulIntention.read(JSON.readTree(answer), "web");

    // then
    assertThat(read).containsExactly(new ConsulIntention("a", "edge", "web", false, 9));
    assertThat(read.get(0).name()).isEqualTo("edge => web (deny)");
    assertThatThrownBy(
            () ->
                ConsulIntention.read(JSON.readTree("{\"web\": [{\"Action\": \"maybe\"}]}"), "web"))
        .hasMessage("web[0].Action: 'maybe' (expected: allow or deny)");
  }
}
