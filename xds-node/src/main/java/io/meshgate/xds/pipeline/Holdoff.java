package io.meshgate.xds.pipeline;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * Decides when to rebuild after changes. A change after a quiet period rebuilds at once (the
 * leading edge: a lone change is not delayed). Changes during a burst coalesce: the rebuild waits
 * until {@code quiet} has passed without a change, but never longer than {@code max} after the
 * first change it holds, so a steady stream of changes still gets rebuilds.
 *
 * <p>Threading: {@link #changed()} and the scheduled rebuild must run on the same single thread
 * (the pipeline's); this class does no locking of its own.
 */
public final class Holdoff {
  public static final Duration DEFAULT_QUIET = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX = Duration.ofSeconds(1);

  private final Duration quiet;
  private final Duration max;
  private final Scheduler scheduler;
  private final Runnable rebuild;
  private Instant lastRebuild = Instant.MIN;
  private Instant firstHeld;
  private Scheduler.Cancellable pending;

  public Holdoff(Duration quiet, Duration max, Scheduler scheduler, Runnable rebuild) {
    this.quiet = requireNonNull(quiet, "quiet");
    this.max = requireNonNull(max, "max");
    if (max.compareTo(quiet) < 0) {
      throw new IllegalArgumentException(
          "max: " + max + " (expected: at least quiet, " + quiet + ")");
    }
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.rebuild = requireNonNull(rebuild, "rebuild");
  }

  /** Something changed: rebuild now, or hold the change for the burst it belongs to. */
  public void changed() {
    Instant now = scheduler.now();
    if (pending == null && !now.isBefore(lastRebuild.plus(quiet))) {
      run();
      return;
    }
    if (firstHeld == null) {
      firstHeld = now;
    }
    Instant byQuiet = now.plus(quiet);
    Instant byMax = firstHeld.plus(max);
    Instant at = byQuiet.isBefore(byMax) ? byQuiet : byMax;
    if (pending != null) {
      pending.cancel();
    }
    pending = scheduler.schedule(this::run, Duration.between(now, at));
  }

  private void run() {
    pending = null;
    firstHeld = null;
    lastRebuild = scheduler.now();
    rebuild.run();
  }
}
