package io.meshgate.config.apply;

import io.etcd.jetcd.Client;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.AppliedOffset;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Plans an event on what etcd holds now, as the applier will, without applying it: {@code meshgate
 * apply --atomic} refuses a changeset whose transaction would not fit etcd's limits before
 * publishing it, with the reasons the applier would give.
 */
public final class TransactionCheck {
  /**
   * The offset the check plans with: the largest there is, so that the measured transaction is
   * never smaller than the one the applier builds.
   */
  private static final int ANY_PARTITION = Integer.MAX_VALUE;

  private TransactionCheck() {}

  /**
   * Why the applier would reject {@code event} for etcd's limits; empty when it fits.
   *
   * @throws RuntimeException when etcd cannot be read
   */
  public static List<Reason> limitProblems(
      Client etcd, Duration timeout, Planner planner, ConfigEvent event) {
    IncomingRecord record =
        new IncomingRecord(
            ConfigEvent.TOPIC,
            ANY_PARTITION,
            Long.MAX_VALUE,
            AppliedOffset.NO_TIMESTAMP,
            event.key(),
            event.headers(),
            event.value());
    DecodedEvent decoded = EventDecoder.decode(record);
    AppliedLog log = new AppliedLog(etcd, timeout, planner.limits());
    Map<ResourceKey, Current> current = log.current(Planner.keysOf(decoded));
    return planner.limitProblems(
        decoded,
        current,
        new PartitionOffset(
            ConfigEvent.TOPIC, ANY_PARTITION, AppliedOffset.LARGEST, Long.MAX_VALUE));
  }
}
