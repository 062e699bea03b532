package io.meshgate.xds.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A scheduler whose time moves only when the test says so: the tasks due run on the caller's
 * thread, in order, inside {@link #advance}. Not thread-safe (the holdoff's contract: one thread).
 */
public final class ManualScheduler implements Scheduler {
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final List<Task> tasks = new ArrayList<>();

  private record Task(Instant at, Runnable run, boolean[] cancelled) {}

  @Override
  public Instant now() {
    return now;
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    boolean[] cancelled = {false};
    tasks.add(new Task(now.plus(delay), task, cancelled));
    return () -> cancelled[0] = true;
  }

  /** Moves time on by {@code by}, running each task that falls due at its own time. */
  public void advance(Duration by) {
    Instant until = now.plus(by);
    while (true) {
      Task next =
          tasks.stream()
              .filter(t -> !t.cancelled[0] && !t.at.isAfter(until))
              .min(Comparator.comparing(Task::at))
              .orElse(null);
      if (next == null) {
        break;
      }
      tasks.remove(next);
      now = next.at;
      next.run.run();
    }
    now = until;
  }
}
