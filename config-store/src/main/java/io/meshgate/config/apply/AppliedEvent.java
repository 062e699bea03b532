package io.meshgate.config.apply;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * One record the applier is done with, for metrics: how it ended and how long it took.
 *
 * @param recordTimestamp the record's Kafka timestamp in ms, or {@code AppliedOffset.NO_TIMESTAMP}
 * @param apply from the poll that returned the record to the commit of its transaction (for a
 *     skipped record, to the read that found its offset stored)
 * @param transaction the etcd transaction that landed (its guarded write alone; for a record
 *     applied in a batch, the batch's one transaction); zero when skipped
 */
public record AppliedEvent(
    String topic,
    int partition,
    long recordTimestamp,
    Result result,
    Duration apply,
    Duration transaction) {
  public AppliedEvent {
    requireNonNull(topic, "topic");
    requireNonNull(result, "result");
    requireNonNull(apply, "apply");
    requireNonNull(transaction, "transaction");
  }

  /** What became of the record. */
  public enum Result {
    /** Its transaction landed and the event was not rejected. */
    ACCEPTED,
    /** Its transaction landed and recorded the event Rejected. */
    REJECTED,
    /**
     * Its event had been applied before (the same id): the transaction recorded the offset only.
     */
    DUPLICATE,
    /** etcd already held its offset: nothing was written. */
    SKIPPED
  }
}
