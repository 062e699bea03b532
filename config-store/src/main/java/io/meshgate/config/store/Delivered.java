package io.meshgate.config.store;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What a view delivered last, at which revision, and the callers waiting for a later revision.
 * {@link PrefixView} keeps its listings in one and {@link ConfigView} its snapshots, so both answer
 * {@code current()} and {@code awaitRevision} alike.
 *
 * <p>Threading: {@link #deliver} is called by the view's one thread, after its listener returned;
 * everything else from any thread.
 */
final class Delivered<T> {
  private final Object lock = new Object();

  // Guarded by lock.
  private long revision;
  private T current;
  private final List<Waiter<T>> waiters = new ArrayList<>();
  private boolean closed;

  /** Holds {@code empty} at revision 0 until the first delivery. */
  Delivered(T empty) {
    this.current = requireNonNull(empty, "empty");
  }

  T current() {
    synchronized (lock) {
      return current;
    }
  }

  /**
   * Makes {@code value} current and hands it to the callers waiting for {@code revision} or less.
   */
  void deliver(long revision, T value) {
    requireNonNull(value, "value");
    synchronized (lock) {
      this.revision = revision;
      this.current = value;
      for (Iterator<Waiter<T>> it = waiters.iterator(); it.hasNext(); ) {
        Waiter<T> waiter = it.next();
        if (waiter.revision() <= revision) {
          waiter.result().complete(value);
          it.remove();
        }
      }
    }
  }

  /**
   * The first value delivered at or beyond {@code revision}; the current one if it is already
   * there.
   *
   * @throws TimeoutException if none is delivered within {@code timeout}
   * @throws IllegalStateException if the view is or gets closed
   */
  T await(long revision, Duration timeout) throws InterruptedException, TimeoutException {
    requireNonNull(timeout, "timeout");
    Waiter<T> waiter = new Waiter<>(revision, new CompletableFuture<>());
    synchronized (lock) {
      if (this.revision >= revision) {
        return current;
      }
      if (closed) {
        throw new IllegalStateException("view closed before revision " + revision);
      }
      waiters.add(waiter);
    }
    try {
      return waiter.result().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | CancellationException e) {
      throw new IllegalStateException("view closed before revision " + revision, e);
    } catch (TimeoutException e) {
      throw new TimeoutException(
          "revision "
              + revision
              + " not reached within "
              + timeout
              + " (current: "
              + currentRevision()
              + ")");
    } finally {
      synchronized (lock) {
        waiters.remove(waiter);
      }
    }
  }

  /**
   * Fails every waiting and later {@link #await} whose revision was not reached; false if already
   * closed.
   */
  boolean close() {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      closed = true;
      waiters.forEach(w -> w.result().cancel(false));
      waiters.clear();
      return true;
    }
  }

  private long currentRevision() {
    synchronized (lock) {
      return revision;
    }
  }

  private record Waiter<T>(long revision, CompletableFuture<T> result) {}
}
