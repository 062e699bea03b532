package io.meshgate.xds.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.meshgate.config.store.AppliedOffset;
import io.meshgate.config.store.Keyspace;
import io.meshgate.testkit.EtcdCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The replica's view of applied events, against a real etcd. */
class AppliedRecordsIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final String TRACEPARENT =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private static long put(String key, byte[] value) throws Exception {
    return etcd.client()
        .getKVClient()
        .put(ByteSequence.from(key, StandardCharsets.UTF_8), ByteSequence.from(value))
        .get(10, TimeUnit.SECONDS)
        .getHeader()
        .getRevision();
  }

  @Test
  void eventsAppliedAfterTheFirstListingAreToldAndFoundByRevisionWithTheirTimestampAndTrace()
      throws Exception {
    String topic = "applied-" + System.nanoTime();
    put(
        Keyspace.offset(topic, 0),
        new AppliedOffset(3, 1_000L, Optional.empty()).toBytes()); // before the replica looked
    List<AppliedRecords.Applied> told = new CopyOnWriteArrayList<>();
    try (AppliedRecords records = AppliedRecords.open(etcd.client())) {
      records.onApplied(told::add);
      await().atMost(Duration.ofSeconds(10)).until(records::listening);

      long first =
          put(
              Keyspace.offset(topic, 0),
              new AppliedOffset(4, 2_000L, Optional.of(TRACEPARENT)).toBytes());
      put(Keyspace.offset(topic, 2), "not an offset".getBytes(StandardCharsets.UTF_8));
      long second =
          put(Keyspace.offset(topic, 1), new AppliedOffset(9, 3_000L, Optional.empty()).toBytes());

      AppliedRecords.Applied four =
          new AppliedRecords.Applied(first, topic, 0, 4, 2_000L, Optional.of(TRACEPARENT));
      AppliedRecords.Applied nine =
          new AppliedRecords.Applied(second, topic, 1, 9, 3_000L, Optional.empty());
      await().atMost(Duration.ofSeconds(10)).until(() -> told.size() >= 2);
      assertThat(told).containsExactly(four, nine);
      assertThat(records.between(0, second)).containsExactly(four, nine);
      assertThat(records.between(first, second)).containsExactly(nine);
      assertThat(records.between(first - 1, first)).containsExactly(four);
      assertThat(records.between(second, second)).isEmpty();
    }
  }

  @Test
  void aTransactionThatRecordsSeveralPartitionsOffsetsTellsAndKeepsOneEventPerPartition()
      throws Exception {
    // given a replica listening
    String topic = "applied-" + System.nanoTime();
    List<AppliedRecords.Applied> told = new CopyOnWriteArrayList<>();
    try (AppliedRecords records = AppliedRecords.open(etcd.client())) {
      records.onApplied(told::add);
      await().atMost(Duration.ofSeconds(10)).until(records::listening);

      // when one transaction records the offsets of two partitions (an applier's poll of both)
      long revision =
          etcd.client()
              .getKVClient()
              .txn()
              .Then(
                  Op.put(
                      ByteSequence.from(Keyspace.offset(topic, 0), StandardCharsets.UTF_8),
                      ByteSequence.from(new AppliedOffset(5, 1_000L, Optional.empty()).toBytes()),
                      PutOption.DEFAULT),
                  Op.put(
                      ByteSequence.from(Keyspace.offset(topic, 3), StandardCharsets.UTF_8),
                      ByteSequence.from(new AppliedOffset(8, 1_500L, Optional.empty()).toBytes()),
                      PutOption.DEFAULT))
              .commit()
              .get(10, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();

      // then both are told and found at that revision
      AppliedRecords.Applied five =
          new AppliedRecords.Applied(revision, topic, 0, 5, 1_000L, Optional.empty());
      AppliedRecords.Applied eight =
          new AppliedRecords.Applied(revision, topic, 3, 8, 1_500L, Optional.empty());
      await().atMost(Duration.ofSeconds(10)).until(() -> told.size() >= 2);
      assertThat(told).containsExactlyInAnyOrder(five, eight);
      assertThat(records.between(revision - 1, revision)).containsExactlyInAnyOrder(five, eight);
    }
  }
}
