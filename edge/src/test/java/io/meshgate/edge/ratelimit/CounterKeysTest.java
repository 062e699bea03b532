package io.meshgate.edge.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CounterKeysTest {
  private static final Window MINUTE =
      Window.containing(Instant.parse("2026-12-07T10:00:30Z"), Unit.MINUTE);

  @Test
  void aKeyIsThePrefixAndAHashNeverTheDescriptorValues() {
    String key =
        CounterKeys.of(
            "gateway", List.of(new Entry("user", "alice@example.com\r\nFLUSHALL")), MINUTE);

    assertThat(key).matches("meshgate:rl:[0-9a-f]{32}").doesNotContain("alice");
  }

  @Test
  void entriesAreLengthPrefixedSoShiftedBoundariesGiveOtherKeys() {
    assertThat(CounterKeys.of("d", List.of(new Entry("ab", "c")), MINUTE))
        .isNotEqualTo(CounterKeys.of("d", List.of(new Entry("a", "bc")), MINUTE));
    assertThat(CounterKeys.of("d", List.of(new Entry("a", "b"), new Entry("c", "d")), MINUTE))
        .isNotEqualTo(CounterKeys.of("d", List.of(new Entry("a", "b\0c\0d")), MINUTE));
  }

  @Test
  void eachWindowAndUnitCountsInItsOwnKey() {
    List<Entry> entries = List.of(new Entry("user", "alice"));
    Window next = Window.containing(Instant.parse("2026-12-07T10:01:00Z"), Unit.MINUTE);
    Window hour = Window.containing(Instant.parse("2026-12-07T10:00:30Z"), Unit.HOUR);

    assertThat(CounterKeys.of("d", entries, MINUTE))
        .isEqualTo(
            CounterKeys.of(
                "d",
                entries,
                Window.containing(Instant.parse("2026-12-07T10:00:59.999Z"), Unit.MINUTE)))
        .isNotEqualTo(CounterKeys.of("d", entries, next))
        .isNotEqualTo(CounterKeys.of("d", entries, hour))
        .isNotEqualTo(CounterKeys.of("e", entries, MINUTE));
  }

  @Test
  void windowsAreAlignedToTheEpochAndLiveOneSecondPastTheirEnd() {
    Window day = Window.containing(Instant.parse("2026-12-07T10:00:30Z"), Unit.DAY);

    assertThat(Instant.ofEpochSecond(MINUTE.startEpochSecond()))
        .isEqualTo(Instant.parse("2026-12-07T10:00:00Z"));
    assertThat(Instant.ofEpochSecond(day.startEpochSecond()))
        .isEqualTo(Instant.parse("2026-12-07T00:00:00Z"));
    assertThat(MINUTE.untilReset(Instant.parse("2026-12-07T10:00:30.250Z")))
        .isEqualTo(Duration.ofMillis(29_750));
    assertThat(MINUTE.ttlSeconds()).isEqualTo(61);
  }
}
