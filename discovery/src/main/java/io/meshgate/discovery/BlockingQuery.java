package io.meshgate.discovery;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HashiCorp blocking query, run on its own thread until closed: ask with the last index and a
 * wait, take the answer's index as the next one. The rules are Consul's and Nomad's documented
 * ones: an index that goes backwards, or is 0, resets to 0 (a snapshot restore or a new leader); an
 * unchanged index with an equal value is no change; and requests are rate limited ({@code
 * minInterval} between two) so an agent that answers at once never makes a busy loop. A failed
 * request is retried after an exponential backoff with jitter, up to {@code maxBackoff}; the last
 * good value stays until a new one arrives; the first request after a failure does not block, so a
 * recovery shows at once. An answer with an unchanged index but a different value is a change: the
 * value may carry more than the index covers (Nomad's check results, read beside the service, do
 * not move its index).
 *
 * @param <T> what one answer carries
 */
public final class BlockingQuery<T> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BlockingQuery.class);

  /** One request: the index to wait on (0: answer at once) and how long the server may hold it. */
  @FunctionalInterface
  public interface Fetch<T> {
    Answer<T> fetch(long index, Duration wait) throws Exception;
  }

  /** An answer: the index it is current at, and what it holds. */
  public record Answer<T>(long index, T value) {}

  /**
   * What the loop reports: each new value, each failure (with how many in a row), each recovery.
   */
  public interface Listener<T> {
    void changed(T value, long index);

    void failed(Exception cause, int inARow);

    /**
     * The source answers again after failures, with nothing new (the same index): what was held is
     * current again. An answer with news is reported as {@link #changed} instead.
     */
    default void recovered(long index) {}
  }

  private final String name;
  private final Fetch<T> fetch;
  private final Listener<T> listener;
  private final Duration wait;
  private final Duration minInterval;
  private final Duration maxBackoff;
  private final Thread thread;
  private volatile boolean running = true;

  private BlockingQuery(
      String name,
      Fetch<T> fetch,
      Listener<T> listener,
      Duration wait,
      Duration minInterval,
      Duration maxBackoff) {
    this.name = requireNonNull(name, "name");
    this.fetch = requireNonNull(fetch, "fetch");
    this.listener = requireNonNull(listener, "listener");
    this.wait = wait;
    this.minInterval = minInterval;
    this.maxBackoff = maxBackoff;
    this.thread = new Thread(this::run, "meshgate-watch-" + name);
    this.thread.setDaemon(true);
  }

  /**
   * Starts watching.
   *
   * @param wait how long the server may hold a request (Consul's default is 5 minutes)
   * @param minInterval the least time between two requests
   * @param maxBackoff the longest pause after failures
   */
  public static <T> BlockingQuery<T> start(
      String name,
      Fetch<T> fetch,
      Listener<T> listener,
      Duration wait,
      Duration minInterval,
      Duration maxBackoff) {
    BlockingQuery<T> query =
        new BlockingQuery<>(name, fetch, listener, wait, minInterval, maxBackoff);
    query.thread.start();
    return query;
  }

  /** Consumer-style listener for tests and simple uses: failures are only logged. */
  public static <T> Listener<T> onChange(Consumer<T> changed) {
    return new Listener<>() {
      @Override
      public void changed(T value, long index) {
        changed.accept(value);
      }

      @Override
      public void failed(Exception cause, int inARow) {}
    };
  }

  private void run() {
    long index = 0;
    T last = null;
    int failures = 0;
    long lastRequest = 0;
    while (running) {
      try {
        long sinceLast = System.nanoTime() - lastRequest;
        if (lastRequest != 0 && sinceLast < minInterval.toNanos()) {
          Thread.sleep((minInterval.toNanos() - sinceLast) / 1_000_000L + 1);
        }
        lastRequest = System.nanoTime();
        // After failures, ask without blocking: an agent back with nothing new would otherwise
        // hold the request for the whole wait, and the held endpoints stay marked stale meanwhile.
        boolean recovering = failures > 0;
        Answer<T> answer = fetch.fetch(recovering ? 0 : index, wait);
        failures = 0;
        if (answer.index() <= 0 || answer.index() < index) {
          // Documented: reset and take the answer as a full state.
          log.info(
              "{}: index went from {} to {}; reading it again in full",
              name,
              index,
              answer.index());
          index = 0;
          last = answer.value();
          listener.changed(answer.value(), answer.index());
          continue;
        }
        if (answer.index() == index && Objects.equals(answer.value(), last)) {
          if (recovering) {
            listener.recovered(index);
          }
          continue; // the wait elapsed without a change
        }
        index = answer.index();
        last = answer.value();
        listener.changed(answer.value(), index);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        if (!running) {
          return;
        }
        failures++;
        listener.failed(e, failures);
        try {
          Thread.sleep(backoff(failures).toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** 250 ms doubling per failure in a row, capped, with ±25 % jitter so replicas do not align. */
  Duration backoff(int failures) {
    long base = Math.min(maxBackoff.toMillis(), 250L << Math.min(failures - 1, 16));
    long jitter = (long) (base * 0.25 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
    return Duration.ofMillis(Math.max(1, base + jitter));
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }

  @Override
  public String toString() {
    return "BlockingQuery[" + name + "]";
  }
}
