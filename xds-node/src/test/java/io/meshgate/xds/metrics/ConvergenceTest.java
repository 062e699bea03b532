package io.meshgate.xds.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.store.AppliedOffset;
import io.meshgate.xds.pipeline.AppliedRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ConvergenceTest {
  private final TreeMap<Long, AppliedRecords.Applied> applied = new TreeMap<>();
  private final List<Long> observed = new ArrayList<>();
  private long now = 10_000;
  private final Convergence convergence =
      new Convergence(
          (after, upTo) ->
              upTo <= after
                  ? List.of()
                  : List.copyOf(applied.subMap(after, false, upTo, true).values()),
          () -> now,
          observed::add);

  private void apply(long revision, long timestamp) {
    applied.put(
        revision,
        new AppliedRecords.Applied(
            revision, "meshgate.config", 0, revision, timestamp, Optional.empty()));
  }

  @Test
  void eachEventAfterTheLastSyncAndUpToTheNewOneIsObservedFromItsRecordTimestamp() {
    // given events at revisions 5, 7 and 9, written at 9000, 9400 and 9900 ms
    apply(5, 9_000);
    apply(7, 9_400);
    apply(9, 9_900);

    // when a proxy synced at 5 comes to hold the snapshot of revision 8 at 10000 ms
    int count = convergence.converged(5, 8);

    // then only the event at 7 reached it now, 600 ms after its record was written
    assertThat(count).isEqualTo(1);
    assertThat(observed).containsExactly(600L);
  }

  @Test
  void aProxyThatSyncsTwiceCountsEachEventOnce() {
    apply(3, 9_000);
    apply(4, 9_500);

    convergence.converged(2, 3);
    now = 11_000;
    convergence.converged(3, 4);

    assertThat(observed).containsExactly(1_000L, 1_500L);
  }

  @Test
  void noNewerRevisionOrNoEventsBetweenObserveNothing() {
    apply(3, 9_000);

    assertThat(convergence.converged(3, 3)).isZero();
    assertThat(convergence.converged(4, 3)).isZero();
    assertThat(convergence.converged(3, 10)).isZero();
    assertThat(observed).isEmpty();
  }

  @Test
  void eventsWithoutATimestampAreLeftOutAndAClockBehindTheProducerCountsZero() {
    apply(2, AppliedOffset.NO_TIMESTAMP);
    apply(3, 12_000); // the producer's clock is 2 s ahead of this replica's

    int count = convergence.converged(1, 3);

    assertThat(count).isEqualTo(1);
    assertThat(observed).containsExactly(0L);
  }
}
