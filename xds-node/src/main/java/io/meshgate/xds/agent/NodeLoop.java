package io.meshgate.xds.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * The loop both agents run: a session through one node after another, in turn, with a growing
 * backoff ({@link NodeChannels#backoff}) between failed ones, until the agent closes. A session
 * that ends with {@link RetryElsewhere} counts as a failure and moves on to the next node; a {@link
 * RegistrationAgent.Refused refusal} ends the loop, as no other node would answer otherwise.
 *
 * <p>Threading: {@link #run} runs on the agent's loop thread; {@link #stop} and {@link #closing}
 * may be called from any thread.
 */
final class NodeLoop {
  /** How long {@link #awaitStopped} waits for the loop to stop before it interrupts it. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  /**
   * One session through one node, until it ends.
   *
   * @param <E> what else it may throw: ends the loop
   */
  interface Session<E extends Exception> {
    /**
     * @return true if the node took the agent (the next failure starts the backoff afresh)
     * @throws RetryElsewhere when the next node may do better
     */
    boolean through(String node)
        throws RetryElsewhere, RegistrationAgent.Refused, InterruptedException, E;
  }

  private final List<String> nodes;
  private final Object signal = new Object();
  private volatile boolean closing;

  NodeLoop(List<String> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** True once {@link #stop} was called. */
  boolean closing() {
    return closing;
  }

  /**
   * Runs sessions through the nodes in turn until the agent closes or {@code done} says so.
   *
   * @param retrying told of each session that ended with {@link RetryElsewhere}, with its node
   */
  <E extends Exception> void run(
      Session<E> session, BooleanSupplier done, BiConsumer<String, RetryElsewhere> retrying)
      throws RegistrationAgent.Refused, InterruptedException, E {
    int next = 0;
    int failures = 0;
    while (!closing) {
      String node = nodes.get(next % nodes.size());
      try {
        if (session.through(node)) {
          failures = 0;
        } else {
          failures++;
        }
      } catch (RetryElsewhere e) {
        failures++;
        retrying.accept(node, e);
      }
      if (closing || done.getAsBoolean()) {
        break;
      }
      next++;
      pause(NodeChannels.backoff(failures));
    }
  }

  private void pause(Duration delay) throws InterruptedException {
    long deadline = System.nanoTime() + delay.toNanos();
    synchronized (signal) {
      while (!closing) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(signal, left);
      }
    }
  }

  /** Stops the loop: a pause ends at once, and the agent's session ends at its next check. */
  void stop() {
    synchronized (signal) {
      closing = true;
      signal.notifyAll();
    }
  }

  /** Waits until {@code stopped} completes; interrupts {@code thread} if that takes over 5 s. */
  static void awaitStopped(CompletableFuture<?> stopped, Thread thread) {
    try {
      stopped.handle((v, e) -> null).get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      thread.interrupt();
    }
  }
}
