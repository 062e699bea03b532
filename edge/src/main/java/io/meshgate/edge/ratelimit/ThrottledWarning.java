package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A WARN at most once per interval: Redis down under load would otherwise log once per request. The
 * next warning after a quiet interval says how many were left out. Thread-safe.
 */
public final class ThrottledWarning {
  private final Logger log;
  private final Clock clock;
  private final Duration interval;
  private @Nullable Instant lastLogged;
  private long suppressed;

  public ThrottledWarning(Logger log, Clock clock, Duration interval) {
    this.log = requireNonNull(log, "log");
    this.clock = requireNonNull(clock, "clock");
    this.interval = requireNonNull(interval, "interval");
  }

  /** Logs {@code message} unless one was logged less than the interval ago. */
  public synchronized void warn(String message) {
    Instant now = clock.instant();
    if (lastLogged != null && now.isBefore(lastLogged.plus(interval))) {
      suppressed++;
      return;
    }
    if (suppressed > 0) {
      log.warn("{} ({} similar warnings left out in the last {})", message, suppressed, interval);
    } else {
      log.warn(message);
    }
    lastLogged = now;
    suppressed = 0;
  }

  synchronized long suppressed() {
    return suppressed;
  }
}
