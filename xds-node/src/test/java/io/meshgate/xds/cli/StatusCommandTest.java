package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.Condition;
import io.meshgate.config.model.ConditionStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code meshgate status} prints of conditions, without a cluster. */
class StatusCommandTest {
  @Test
  void aConditionMessageCarryingAnUncutProxyErrorIsPrintedCut() {
    // given: a Programmed condition as an older leader wrote it, with a proxy's whole error
    String message = "proxy edge-2 of gateway/shop/edge (replica r1) rejected Listener: ";
    Condition programmed =
        new Condition(
            "Programmed",
            ConditionStatus.FALSE,
            "Invalid",
            message + "z".repeat(100_000),
            2L,
            "2026-12-01T10:00:00Z");

    // when
    StringWriter out = new StringWriter();
    Table.print(new PrintWriter(out, true), StatusCommand.conditionRows(List.of(programmed)));

    // then
    String row = out.toString().lines().skip(1).findFirst().orElseThrow();
    assertThat(row).contains("Invalid").contains(message).endsWith(" bytes)");
    assertThat(row.getBytes(StandardCharsets.UTF_8).length)
        .isLessThan(StatusCommand.MAX_MESSAGE_BYTES + 100);
  }

  @Test
  void aShortMessageIsPrintedWhole() {
    Condition resolved =
        new Condition(
            "ResolvedRefs",
            ConditionStatus.TRUE,
            "ResolvedRefs",
            "every reference resolved",
            1L,
            "t");

    assertThat(StatusCommand.conditionRows(List.of(resolved)).get(1)[5])
        .isEqualTo("every reference resolved");
  }
}
