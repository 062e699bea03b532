package io.meshgate.edge.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ThrottledWarningTest {
  @Test
  void warnsOncePerIntervalAndCountsWhatItLeftOut() {
    // given
    ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:00Z"));
    ThrottledWarning warning =
        new ThrottledWarning(
            LoggerFactory.getLogger(ThrottledWarningTest.class), clock, Duration.ofSeconds(30));

    // when: a burst within the interval
    warning.warn("Redis down");
    clock.advance(Duration.ofSeconds(10));
    warning.warn("Redis down");
    clock.advance(Duration.ofSeconds(19));
    warning.warn("Redis down");

    // then
    assertThat(warning.suppressed()).isEqualTo(2);

    // when: the interval has passed
    clock.advance(Duration.ofSeconds(1));
    warning.warn("Redis down");

    // then: that one was logged, with the count, and the count starts again
    assertThat(warning.suppressed()).isZero();
  }
}
