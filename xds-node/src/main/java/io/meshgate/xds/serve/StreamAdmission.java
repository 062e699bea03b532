package io.meshgate.xds.serve;

import java.util.function.LongSupplier;

/**
 * Which ADS streams a replica takes: at most {@code maxStreams} open at once, and at most {@code
 * perSecond} new ones per second (a token bucket holding one second's worth). Only streams whose
 * proxy was authenticated and authorized count: a flood of streams without credentials is refused
 * by the authorizer and uses up neither budget. A stream over the cap is refused with
 * RESOURCE_EXHAUSTED, one over the rate with UNAVAILABLE; either way the proxy retries with its
 * backoff, on another replica if it can. Thread-safe.
 */
public final class StreamAdmission {
  /** The default: 1,000 new streams per second. */
  public static final int DEFAULT_PER_SECOND = 1_000;

  /** The default: 20,000 open streams. */
  public static final int DEFAULT_MAX_STREAMS = 20_000;

  /** What became of a stream that asked to open. */
  public enum Outcome {
    ADMITTED,
    TOO_FAST,
    FULL
  }

  private final int maxStreams;
  private final double perNano;
  private final double capacity;
  private final LongSupplier nanoTime;
  private double tokens;
  private long last;
  private int open;
  private long refused;

  public StreamAdmission(int perSecond) {
    this(perSecond, DEFAULT_MAX_STREAMS);
  }

  public StreamAdmission(int perSecond, int maxStreams) {
    this(perSecond, maxStreams, System::nanoTime);
  }

  StreamAdmission(int perSecond, int maxStreams, LongSupplier nanoTime) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("perSecond: " + perSecond + " (expected: >= 1)");
    }
    if (maxStreams < 1) {
      throw new IllegalArgumentException("maxStreams: " + maxStreams + " (expected: >= 1)");
    }
    this.maxStreams = maxStreams;
    this.perNano = perSecond / 1e9;
    this.capacity = perSecond;
    this.nanoTime = nanoTime;
    this.tokens = perSecond;
    this.last = nanoTime.getAsLong();
  }

  /** A stream asks to open; when admitted, it counts until {@link #closed()}. */
  public synchronized Outcome open() {
    if (open >= maxStreams) {
      refused++;
      return Outcome.FULL;
    }
    long now = nanoTime.getAsLong();
    tokens = Math.min(capacity, tokens + (now - last) * perNano);
    last = now;
    if (tokens < 1) {
      refused++;
      return Outcome.TOO_FAST;
    }
    tokens -= 1;
    open++;
    return Outcome.ADMITTED;
  }

  /** An admitted stream ended. */
  public synchronized void closed() {
    open--;
  }

  public int maxStreams() {
    return maxStreams;
  }

  /** Streams open now. */
  public synchronized int openStreams() {
    return open;
  }

  /** Streams refused, over the rate or the cap, since start. */
  public synchronized long refused() {
    return refused;
  }
}
