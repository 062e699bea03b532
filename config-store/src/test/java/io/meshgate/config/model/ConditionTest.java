package io.meshgate.config.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.meshgate.config.codec.Mappers;
import org.junit.jupiter.api.Test;

/** A condition's JSON is what etcd has always held: the status as Gateway API's word. */
class ConditionTest {
  private static final String STORED =
      "{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\","
          + "\"message\":\"stored as generation 2\",\"observedGeneration\":2,"
          + "\"lastTransitionTime\":\"2024-01-01T00:00:00Z\"}";

  @Test
  void writesTheStatusAsItsWireName() throws Exception {
    // given
    Condition condition =
        new Condition(
            "Accepted",
            ConditionStatus.TRUE,
            "Accepted",
            "stored as generation 2",
            2L,
            "2024-01-01T00:00:00Z");

    // when
    String json = Mappers.json().writeValueAsString(condition);

    // then
    assertThat(json).isEqualTo(STORED);
  }

  @Test
  void readsEveryStatusBack() throws Exception {
    for (ConditionStatus status : ConditionStatus.values()) {
      String json = STORED.replace("\"True\"", "\"" + status.wireName() + "\"");

      Condition read = Mappers.json().readValue(json, Condition.class);

      assertThat(read.status()).isEqualTo(status);
      assertThat(Mappers.json().writeValueAsString(read)).isEqualTo(json);
    }
  }

  @Test
  void refusesAStatusGatewayApiDoesNotHave() {
    assertThatThrownBy(
            () -> Mappers.json().readValue(STORED.replace("\"True\"", "\"true\""), Condition.class))
        .isInstanceOf(ValueInstantiationException.class)
        .hasMessageContaining("condition status: true (expected: True, False or Unknown)");
  }
}
