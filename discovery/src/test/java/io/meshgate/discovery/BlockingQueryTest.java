package io.meshgate.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The blocking-query loop's rules, with answers scripted by the test. */
class BlockingQueryTest {
  /** Answers in order, then repeats the last; records the index each request carried. */
  private static final class Script implements BlockingQuery.Fetch<String> {
    final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    final List<Long> askedWith = new CopyOnWriteArrayList<>();
    volatile Object last;

    @Override
    public BlockingQuery.Answer<String> fetch(long index, Duration wait) throws Exception {
      askedWith.add(index);
      Object next = answers.poll();
      if (next != null) {
        last = next;
      }
      if (last instanceof Exception e) {
        throw e;
      }
      @SuppressWarnings("unchecked")
      BlockingQuery.Answer<String> answer = (BlockingQuery.Answer<String>) last;
      return answer;
    }
  }

  private static final class Seen implements BlockingQuery.Listener<String> {
    final List<String> values = new CopyOnWriteArrayList<>();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicInteger recoveries = new AtomicInteger();

    @Override
    public void recovered(long index) {
      recoveries.incrementAndGet();
    }

    @Override
    public void changed(String value, long index) {
      values.add(value + "@" + index);
    }

    @Override
    public void failed(Exception cause, int inARow) {
      failures.incrementAndGet();
    }
  }

  private static BlockingQuery<String> run(Script script, Seen seen) {
    return BlockingQuery.start(
        "test", script, seen, Duration.ofSeconds(1), Duration.ofMillis(20), Duration.ofMillis(200));
  }

  @Test
  void eachNewIndexIsDeliveredAndAskedWithNext() {
    Script script = new Script();
    script.answers.add(new BlockingQuery.Answer<>(5, "a"));
    script.answers.add(new BlockingQuery.Answer<>(9, "b"));
    Seen seen = new Seen();

    try (BlockingQuery<String> query = run(script, seen)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.values.size() >= 2);

      assertThat(seen.values).startsWith("a@5", "b@9");
      assertThat(script.askedWith).startsWith(0L, 5L, 9L);
    }
  }

  @Test
  void anIndexThatGoesBackwardsResetsToZeroAndIsTakenInFull() {
    Script script = new Script();
    script.answers.add(new BlockingQuery.Answer<>(50, "before"));
    script.answers.add(new BlockingQuery.Answer<>(3, "restored"));
    script.answers.add(new BlockingQuery.Answer<>(4, "after"));
    Seen seen = new Seen();

    try (BlockingQuery<String> query = run(script, seen)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.values.size() >= 3);

      assertThat(seen.values).startsWith("before@50", "restored@3", "after@4");
      assertThat(script.askedWith).startsWith(0L, 50L, 0L, 4L);
    }
  }

  @Test
  void anAgentThatAnswersAtOnceWithTheSameIndexIsRateLimited() {
    Script script = new Script();
    script.answers.add(new BlockingQuery.Answer<>(7, "only"));
    Seen seen = new Seen();

    try (BlockingQuery<String> query = run(script, seen)) {
      // when: for half a second every answer comes back at once, unchanged
      await().pollDelay(Duration.ofMillis(500)).until(() -> true);

      // then: one value, and at most one request per 20 ms, not thousands
      assertThat(seen.values).containsExactly("only@7");
      assertThat(script.askedWith.size()).isBetween(2, 500 / 20 + 2);
    }
  }

  @Test
  void failuresAreReportedAndRetriedWithBackoffAndTheLoopRecovers() {
    Script script = new Script();
    script.answers.add(new IOException("connection refused"));
    Seen seen = new Seen();

    try (BlockingQuery<String> query = run(script, seen)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.failures.get() >= 3);
      int requestsWhileFailing = script.askedWith.size();
      assertThat(requestsWhileFailing).as("backoff, not a busy loop").isLessThan(20);

      // when the agent answers again
      script.answers.add(new BlockingQuery.Answer<>(11, "back"));

      // then
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.values.contains("back@11"));
    }
  }

  @Test
  void anAnswerWithTheSameIndexAfterFailuresIsARecoveryNotAChange() {
    Script script = new Script();
    script.answers.add(new BlockingQuery.Answer<>(7, "held"));
    Seen seen = new Seen();

    try (BlockingQuery<String> query = run(script, seen)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.values.contains("held@7"));
      script.answers.add(new IOException("agent away"));
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.failures.get() >= 1);

      // when the agent answers again with the same index
      script.answers.add(new BlockingQuery.Answer<>(7, "held"));

      // then: reported as a recovery, asked without blocking (index 0), and not as a change
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.recoveries.get() == 1);
      assertThat(seen.values).containsExactly("held@7");
      assertThat(script.askedWith).contains(0L, 7L);
    }
  }

  @Test
  void anAnswerWithTheSameIndexAndADifferentValueIsAChange() {
    // given: a source whose value can change without its index (Nomad's check results)
    Script script = new Script();
    script.answers.add(new BlockingQuery.Answer<>(7, "healthy"));
    Seen seen = new Seen();

    try (BlockingQuery<String> query = run(script, seen)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.values.contains("healthy@7"));

      // when: the same index comes back with another value, then again with that value
      script.answers.add(new BlockingQuery.Answer<>(7, "unhealthy"));

      // then: delivered once, and asked with the same index next
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.values.contains("unhealthy@7"));
      await()
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(2))
          .until(() -> seen.values.size() == 2);
      assertThat(seen.values).containsExactly("healthy@7", "unhealthy@7");
      assertThat(script.askedWith).containsOnly(0L, 7L);
    }
  }

  @Test
  void theBackoffDoublesUpToItsCapWithJitter() {
    BlockingQuery<String> query =
        BlockingQuery.start(
            "backoff",
            (index, wait) -> {
              throw new InterruptedException("never runs long");
            },
            BlockingQuery.onChange(v -> {}),
            Duration.ofSeconds(1),
            Duration.ofMillis(20),
            Duration.ofSeconds(4));
    query.close();

    assertThat(query.backoff(1).toMillis()).isBetween(187L, 313L);
    assertThat(query.backoff(2).toMillis()).isBetween(375L, 625L);
    assertThat(query.backoff(10).toMillis()).isBetween(3000L, 5000L);
  }
}
