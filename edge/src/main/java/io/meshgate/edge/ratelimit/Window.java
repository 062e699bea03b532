package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * A fixed window: {@code [start, start + unit)}, aligned to the epoch (start is a multiple of the
 * unit's seconds). Every replica computes the same window from its own clock, so replicas agree as
 * far as their clocks agree; a skew of a second moves a hit into the neighbouring window at most.
 */
record Window(Unit unit, long startEpochSecond) {
  Window {
    requireNonNull(unit, "unit");
  }

  static Window containing(Instant now, Unit unit) {
    long seconds = now.getEpochSecond();
    return new Window(unit, Math.floorDiv(seconds, unit.seconds()) * unit.seconds());
  }

  Instant end() {
    return Instant.ofEpochSecond(startEpochSecond + unit.seconds());
  }

  Duration untilReset(Instant now) {
    Duration left = Duration.between(now, end());
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** The counter lives one second past its window, so a late hit never finds it gone early. */
  long ttlSeconds() {
    return unit.seconds() + 1;
  }
}
