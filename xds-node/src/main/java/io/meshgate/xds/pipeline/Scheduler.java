package io.meshgate.xds.pipeline;

import java.time.Duration;
import java.time.Instant;

/** Time and delayed work, injected so the holdoff can be tested without waiting. */
public interface Scheduler {
  Instant now();

  /** Runs {@code task} after {@code delay}; the returned handle cancels it if it has not run. */
  Cancellable schedule(Runnable task, Duration delay);

  /** A scheduled task that may still be cancelled. */
  interface Cancellable {
    void cancel();
  }
}
