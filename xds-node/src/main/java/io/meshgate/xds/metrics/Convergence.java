package io.meshgate.xds.metrics;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.store.AppliedOffset;
import io.meshgate.xds.pipeline.AppliedRecords;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Config convergence: when a stream's proxy comes to hold everything of its group's snapshot at
 * etcd revision {@code to}, having held everything as of {@code from}, each config event applied
 * after {@code from} and at or before {@code to} has reached that proxy now; each is observed as
 * now less its Kafka record's timestamp. Events without a timestamp are left out. Thread-safe as
 * its parts are; time and the events are injected.
 */
final class Convergence {
  /** The applied events after one revision and at or before another. */
  @FunctionalInterface
  interface Events {
    List<AppliedRecords.Applied> between(long after, long upTo);
  }

  private final Events events;
  private final LongSupplier nowMillis;
  private final LongConsumer observeMillis;

  Convergence(Events events, LongSupplier nowMillis, LongConsumer observeMillis) {
    this.events = requireNonNull(events, "events");
    this.nowMillis = requireNonNull(nowMillis, "nowMillis");
    this.observeMillis = requireNonNull(observeMillis, "observeMillis");
  }

  /**
   * A proxy holds everything as of {@code to}, and held everything as of {@code from}.
   *
   * @return how many events were observed
   */
  int converged(long from, long to) {
    if (to <= from) {
      return 0;
    }
    List<AppliedRecords.Applied> reached = events.between(from, to);
    if (reached.isEmpty()) {
      return 0;
    }
    long now = nowMillis.getAsLong();
    int observed = 0;
    for (AppliedRecords.Applied applied : reached) {
      if (applied.recordTimestamp() == AppliedOffset.NO_TIMESTAMP) {
        continue;
      }
      // A producer's clock ahead of this replica's would give a negative span: count it as zero.
      observeMillis.accept(Math.max(0, now - applied.recordTimestamp()));
      observed++;
    }
    return observed;
  }
}
