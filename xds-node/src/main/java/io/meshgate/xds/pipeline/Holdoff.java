package io.meshgate.xds.pipeline;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Decides when to rebuild after changes. A change long enough after the last rebuild rebuilds at
 * once (the leading edge: a lone change is not delayed) — for a config change, {@code max} after
 * it, so that bursts a second apart get one rebuild each. Changes during a burst coalesce: the
 * rebuild waits until {@code quiet} has passed without a change, but never longer than {@code max}
 * after the first change it holds, so a steady stream of changes still gets rebuilds.
 *
 * <p>Two windows: the config's, for config and key changes, and the <em>endpoint holdoff</em>, a
 * shorter one for changes of endpoint input only (discovery's answers, registrations), so that
 * steady endpoint churn reaches the proxies within {@link #ENDPOINT_MAX} rather than the config's
 * maximum. While a config change is held, the rebuild waits by the config's window.
 *
 * <p>Threading: {@link #changed()}, {@link #endpointsChanged()} and the scheduled rebuild must run
 * on the same single thread (the pipeline's); this class does no locking of its own.
 */
public final class Holdoff {
  public static final Duration DEFAULT_QUIET = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX = Duration.ofSeconds(1);

  /** The endpoint holdoff's quiet time, unless the config's is shorter. */
  public static final Duration ENDPOINT_QUIET = Duration.ofMillis(20);

  /**
   * The endpoint holdoff's longest delay under a stream of changes, unless the config's is shorter.
   */
  public static final Duration ENDPOINT_MAX = Duration.ofMillis(100);

  /** Why the holdoff started a rebuild. */
  public enum Release {
    /** A change long enough after the last rebuild: rebuilt at once. */
    LEADING_EDGE,
    /** The changes held were followed by the quiet time without another change. */
    QUIET,
    /** The changes held kept coming: the longest delay after the first of them ran out. */
    MAX
  }

  /** A quiet time and a longest delay. */
  public record Window(Duration quiet, Duration max) {
    public Window {
      requireNonNull(quiet, "quiet");
      requireNonNull(max, "max");
      if (max.compareTo(quiet) < 0) {
        throw new IllegalArgumentException(
            "max: " + max + " (expected: at least quiet, " + quiet + ")");
      }
    }

    /** The endpoint holdoff that goes with a config window: the defaults, capped by it. */
    static Window endpointsFor(Window config) {
      return new Window(min(ENDPOINT_QUIET, config.quiet()), min(ENDPOINT_MAX, config.max()));
    }

    private static Duration min(Duration a, Duration b) {
      return a.compareTo(b) <= 0 ? a : b;
    }
  }

  private final Window config;
  private final Window endpoints;
  private final Scheduler scheduler;
  private final Runnable rebuild;
  private Instant lastRebuild = Instant.MIN;
  private @Nullable Instant firstHeld;

  /** The window of the changes held: the config's once any of them is a config change. */
  private @Nullable Window held;

  private Scheduler.@Nullable Cancellable pending;

  private @Nullable Release lastRelease;

  /** With the endpoint holdoff's defaults, capped by the config's window. */
  public Holdoff(Duration quiet, Duration max, Scheduler scheduler, Runnable rebuild) {
    this(new Window(quiet, max), scheduler, rebuild);
  }

  /** With the endpoint holdoff's defaults, capped by the config's window. */
  public Holdoff(Window config, Scheduler scheduler, Runnable rebuild) {
    this(config, Window.endpointsFor(config), scheduler, rebuild);
  }

  public Holdoff(Window config, Window endpoints, Scheduler scheduler, Runnable rebuild) {
    this.config = requireNonNull(config, "config");
    this.endpoints = requireNonNull(endpoints, "endpoints");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.rebuild = requireNonNull(rebuild, "rebuild");
  }

  /** The config (or key material) changed: rebuild now, or hold it by the config's window. */
  public void changed() {
    hold(config);
  }

  /**
   * Only endpoint input changed (discovery, registrations): rebuild now, or hold it by the endpoint
   * holdoff, unless a config change is held too.
   */
  public void endpointsChanged() {
    hold(endpoints);
  }

  private void hold(Window window) {
    Instant now = scheduler.now();
    if (pending == null && !now.isBefore(lastRebuild.plus(leadingEdgeAfter(window)))) {
      run(Release.LEADING_EDGE);
      return;
    }
    if (firstHeld == null) {
      firstHeld = now;
    }
    if (held == null || window == config) {
      held = window;
    }
    Instant byQuiet = now.plus(held.quiet());
    Instant byMax = firstHeld.plus(held.max());
    Release release = byQuiet.isBefore(byMax) ? Release.QUIET : Release.MAX;
    Instant at = release == Release.QUIET ? byQuiet : byMax;
    if (pending != null) {
      pending.cancel();
    }
    pending = scheduler.schedule(() -> run(release), Duration.between(now, at));
  }

  /** Why the latest rebuild was started; null before the first. Read on the holdoff's thread. */
  public @Nullable Release lastRelease() {
    return lastRelease;
  }

  /**
   * How long after a rebuild a change may rebuild at once. A config change: the config's maximum,
   * so that steady churn (a burst every second, as an applier applying a publisher's batch) gets
   * one rebuild per burst, not a rebuild for its first change and another for the rest; a lone
   * change after a second of calm is still built at once, and one sooner waits the quiet time. An
   * endpoint change: the endpoint quiet time, so that a lone endpoint flip reaches the proxies at
   * once (issue 18's latency), at the cost of that pair of rebuilds under endpoint bursts.
   */
  private Duration leadingEdgeAfter(Window window) {
    return window == config ? config.max() : window.quiet();
  }

  private void run(Release release) {
    pending = null;
    firstHeld = null;
    held = null;
    lastRebuild = scheduler.now();
    lastRelease = release;
    rebuild.run();
  }
}
