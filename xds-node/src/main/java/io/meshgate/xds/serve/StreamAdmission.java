package io.meshgate.xds.serve;

import java.util.function.LongSupplier;

/**
 * How many new ADS streams a replica takes per second: a token bucket holding one second's worth. A
 * reconnect storm beyond it is refused with UNAVAILABLE, and clients retry with their jittered
 * backoff instead of all landing at once. Thread-safe.
 */
public final class StreamAdmission {
  /** The default: 1,000 new streams per second. */
  public static final int DEFAULT_PER_SECOND = 1_000;

  private final double perNano;
  private final double capacity;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;

  public StreamAdmission(int perSecond) {
    this(perSecond, System::nanoTime);
  }

  StreamAdmission(int perSecond, LongSupplier nanoTime) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("perSecond: " + perSecond + " (expected: >= 1)");
    }
    this.perNano = perSecond / 1e9;
    this.capacity = perSecond;
    this.nanoTime = nanoTime;
    this.tokens = perSecond;
    this.last = nanoTime.getAsLong();
  }

  /** Takes a token if one is there. */
  public synchronized boolean tryAdmit() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(capacity, tokens + (now - last) * perNano);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
