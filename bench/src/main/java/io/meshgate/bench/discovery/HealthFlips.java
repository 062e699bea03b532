package io.meshgate.bench.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The health flips the bench makes and what the clients saw of them. Instance {@code s * 5 + i} is
 * instance {@code i} of service {@code svc-s}. A flip is stamped (epoch micros, the window it
 * belongs to, the health it sets) just before the double's lever is pulled; a client that sees an
 * endpoint's health change reports it with the time of its ACK, and the change is matched to the
 * instance's last flip. The schedule flips each instance at most once per pass over all of them (a
 * shuffled order), so a change a client sees is always the last flip of that instance, never one
 * that a later flip undid. Thread-safe.
 */
final class HealthFlips {
  private final AtomicLongArray flippedAt;
  private final AtomicIntegerArray window;
  private final AtomicIntegerArray unhealthy;
  private final List<Histogram> latencies = new ArrayList<>();
  private final List<AtomicLong> observed = new ArrayList<>();
  private final AtomicLong unmatched = new AtomicLong();

  HealthFlips(int instances, int windows) {
    flippedAt = new AtomicLongArray(instances);
    window = new AtomicIntegerArray(instances);
    unhealthy = new AtomicIntegerArray(instances);
    for (int w = 0; w < windows; w++) {
      latencies.add(new ConcurrentHistogram(60_000_000L, 3));
      observed.add(new AtomicLong());
    }
  }

  /** Whether the instance's last flip made it unhealthy (all start healthy). */
  boolean isUnhealthy(int instance) {
    return unhealthy.get(instance) == 1;
  }

  /**
   * Stamps a flip of {@code instance} to {@code toUnhealthy} at {@code atMicros} in window {@code
   * w}.
   */
  void flipping(int instance, boolean toUnhealthy, int w, long atMicros) {
    window.set(instance, w);
    unhealthy.set(instance, toUnhealthy ? 1 : 0);
    flippedAt.set(instance, atMicros);
  }

  /**
   * A client ACKed, at {@code ackMicros}, an assignment in which {@code instance}'s health differs
   * from what it held before. A change that matches no flip (none made, or the other direction)
   * counts as {@link #unmatched()}.
   */
  void seen(int instance, boolean nowUnhealthy, long ackMicros) {
    long at = flippedAt.get(instance);
    if (at == 0 || isUnhealthy(instance) != nowUnhealthy) {
      unmatched.incrementAndGet();
      return;
    }
    int w = window.get(instance);
    latencies.get(w).recordValue(Math.min(60_000_000L, Math.max(0, ackMicros - at)));
    observed.get(w).incrementAndGet();
  }

  /** Flip ACKs recorded in window {@code w}, over all clients. */
  long observed(int w) {
    return observed.get(w).get();
  }

  /** Latency from flip to ACK in window {@code w}, microseconds. */
  Histogram latency(int w) {
    return latencies.get(w);
  }

  /** Health changes clients saw that match no flip: 0 unless the bench or the server is wrong. */
  long unmatched() {
    return unmatched.get();
  }
}
