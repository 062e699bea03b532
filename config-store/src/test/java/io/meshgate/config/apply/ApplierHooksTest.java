package io.meshgate.config.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApplierHooksTest {
  private static final String HEADER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String SPAN = "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01";

  /** Records every call under a name; its trace context is {@code traceparent}. */
  private static Applier.Hooks recording(String name, List<String> calls, String traceparent) {
    return new Applier.Hooks() {
      @Override
      public Optional<String> traceparent(IncomingRecord record) {
        calls.add(name + " traceparent");
        return Optional.of(traceparent);
      }

      @Override
      public void planned(List<IncomingRecord> records) {
        calls.add(name + " planned " + records.size());
      }

      @Override
      public void afterTransaction(IncomingRecord record) {
        calls.add(name + " afterTransaction");
      }

      @Override
      public void skipped(IncomingRecord record) {
        calls.add(name + " skipped");
      }

      @Override
      public void paused() {
        calls.add(name + " paused");
      }

      @Override
      public void applied(AppliedEvent event) {
        calls.add(name + " applied");
      }

      @Override
      public void lag(String topic, int partition, long records) {
        calls.add(name + " lag " + records);
      }
    };
  }

  @Test
  void bothHooksHearEveryCallInOrderAndTheFirstOnesTraceContextIsStored() {
    List<String> calls = new ArrayList<>();
    Applier.Hooks hooks =
        recording("tracer", calls, SPAN).andThen(recording("metrics", calls, HEADER));
    IncomingRecord record =
        new IncomingRecord(
            "t", 0, 7, 1_700_000_000_000L, "ns", Map.of(), "{}".getBytes(StandardCharsets.UTF_8));

    Optional<String> stored = hooks.traceparent(record);
    hooks.planned(List.of(record));
    hooks.afterTransaction(record);
    hooks.skipped(record);
    hooks.paused();
    hooks.applied(
        new AppliedEvent("t", 0, 1L, AppliedEvent.Result.ACCEPTED, Duration.ZERO, Duration.ZERO));
    hooks.lag("t", 0, 3);

    assertThat(stored).contains(SPAN);
    assertThat(calls)
        .containsExactly(
            "tracer traceparent",
            "tracer planned 1",
            "metrics planned 1",
            "tracer afterTransaction",
            "metrics afterTransaction",
            "tracer skipped",
            "metrics skipped",
            "tracer paused",
            "metrics paused",
            "tracer applied",
            "metrics applied",
            "tracer lag 3",
            "metrics lag 3");
  }
}
