package io.meshgate.config.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.AppliedOffset;
import io.meshgate.config.store.Keyspace;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Consecutive records of a partition as one transaction: each record's plan is what it would be
 * alone, the batch is their union with the last record's offset, and it never passes etcd's limits
 * nor holds two records of one key.
 */
class BatchTest {
  private static final String NS = "shop";
  private static final String TOPIC = "t";

  private final AtomicInteger uids = new AtomicInteger();
  private final MemoryEtcd etcd = new MemoryEtcd();

  private Planner planner(EtcdLimits limits) {
    return new Planner(
        Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC),
        () -> "uid-" + uids.incrementAndGet(),
        Planner.DEFAULT_HISTORY,
        limits);
  }

  private static Resource backend(String name, String hostname, int padding) {
    return Resource.of(
        Kind.BACKEND,
        new ObjectMeta(
            name,
            NS,
            null,
            padding == 0 ? null : Map.of("example.com/padding", "x".repeat(padding)),
            null,
            null,
            null,
            null),
        new BackendSpec(null, null, null, null, new DnsSource(hostname, 443), null, null));
  }

  private static ResourceKey key(String name) {
    return new ResourceKey(Kind.BACKEND, NS, name);
  }

  private static DecodedEvent.Meta meta(String id) {
    return new DecodedEvent.Meta(id, "test", OptionalLong.empty());
  }

  private static IncomingRecord record(long offset) {
    return new IncomingRecord(TOPIC, 0, offset, 1_000 + offset, NS, Map.of(), new byte[0]);
  }

  private PartitionOffset at(long offset) {
    String key = Keyspace.offset(TOPIC, 0);
    return new PartitionOffset(
        TOPIC,
        0,
        new AppliedOffset(offset, 1_000 + offset, Optional.empty()),
        etcd.modRevision(key));
  }

  /** Plans each event on what etcd holds now and adds it, as the applier does, until one fails. */
  private Batch batchOf(Planner planner, List<DecodedEvent> events) {
    Batch batch = new Batch(planner.limits());
    for (int i = 0; i < events.size(); i++) {
      DecodedEvent event = events.get(i);
      List<ResourceKey> keys = Planner.keysOf(event);
      Plan plan = planner.plan(event, etcd.read(keys), at(i));
      if (!batch.add(record(i), keys, plan)) {
        break;
      }
    }
    return batch;
  }

  @Test
  void aBatchCostsExactlyWhatItsMergedTransactionCosts() {
    // given random events on distinct keys, some existing already
    Random random = new Random(7);
    Planner planner = planner(EtcdLimits.defaults());
    for (int i = 0; i < 6; i += 2) {
      etcd.apply(
          planner,
          new DecodedEvent.Applied(meta("old-" + i), backend("r" + i, "old.example.com", 10)));
    }
    for (int round = 0; round < 20; round++) {
      List<DecodedEvent> events = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String name = "r" + i;
        double kind = random.nextDouble();
        if (kind < 0.6) {
          events.add(
              new DecodedEvent.Applied(
                  meta(round + "-" + i),
                  backend(name, "h" + random.nextInt(3) + ".example.com", random.nextInt(300))));
        } else if (kind < 0.8) {
          events.add(new DecodedEvent.Deleted(meta(round + "-" + i), key(name)));
        } else {
          events.add(
              new DecodedEvent.Rejected(
                  meta(round + "-" + i), List.of(key(name)), List.of(new Reason("", "bad"))));
        }
      }

      // when
      Batch batch = batchOf(planner, events);

      // then
      assertThat(batch.size()).isEqualTo(events.size());
      assertThat(batch.cost()).isEqualTo(batch.merged().cost());
    }
  }

  @Test
  void aCommittedBatchAppliesEachRecordAsAloneAndRecordsTheLastOffset() {
    // given three events on three keys, one of them stale
    Planner planner = planner(EtcdLimits.defaults());
    List<DecodedEvent> events =
        List.of(
            new DecodedEvent.Applied(meta("e0"), backend("a", "a.example.com", 0)),
            new DecodedEvent.Applied(
                new DecodedEvent.Meta("e1", "test", OptionalLong.of(42)),
                backend("b", "b.example.com", 0)),
            new DecodedEvent.Deleted(meta("e2"), key("c")));

    // when they are batched and committed
    Batch batch = batchOf(planner, events);
    assertThat(batch.size()).isEqualTo(3);
    assertThat(etcd.commit(batch.merged())).isTrue();

    // then each has its own outcome: the stale one is rejected, its neighbours are not
    assertThat(etcd.read(key("a")).status().event("e0").orElseThrow().outcome())
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(etcd.read(key("a")).resource().metadata().generation()).isEqualTo(1);
    assertThat(etcd.read(key("b")).status().event("e1").orElseThrow().outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(etcd.read(key("b")).resource()).isNull();
    assertThat(etcd.read(key("c")).status().event("e2").orElseThrow().outcome())
        .isEqualTo(Outcome.DELETED);
    assertThat(etcd.keysUnder(Keyspace.historyPrefix(key("a"), "uid-1"))).hasSize(1);
    // and the partition's offset is the last record's, with its timestamp
    AppliedOffset stored = AppliedOffset.parse(etcd.get(Keyspace.offset(TOPIC, 0)));
    assertThat(stored.offset()).isEqualTo(2);
    assertThat(stored.recordTimestamp()).isEqualTo(1_002);
  }

  @Test
  void aBatchGuardedOnAMovedOffsetLandsNothing() {
    // given a batch planned on the stored offset
    Planner planner = planner(EtcdLimits.defaults());
    Batch batch =
        batchOf(
            planner,
            List.of(
                new DecodedEvent.Applied(meta("e0"), backend("a", "a.example.com", 0)),
                new DecodedEvent.Applied(meta("e1"), backend("b", "b.example.com", 0))));

    // when another applier records the partition's offset first
    assertThat(etcd.commit(planner.unrecorded(at(0)))).isTrue();

    // then the batch fails its guard and writes nothing
    assertThat(etcd.commit(batch.merged())).isFalse();
    assertThat(etcd.read(key("a")).resource()).isNull();
    assertThat(etcd.read(key("b")).resource()).isNull();
  }

  @Test
  void aBatchClosesBeforeARecordOnAKeyItAlreadyTouches() {
    // given
    Planner planner = planner(EtcdLimits.defaults());
    List<DecodedEvent> events =
        List.of(
            new DecodedEvent.Applied(meta("e0"), backend("a", "v1.example.com", 0)),
            new DecodedEvent.Applied(meta("e1"), backend("b", "v1.example.com", 0)),
            new DecodedEvent.Changeset(
                meta("e2"), List.of(backend("c", "v1.example.com", 0)), List.of(key("a"))));

    // when
    Batch batch = batchOf(planner, events);

    // then
    assertThat(batch.size()).isEqualTo(2);
    assertThat(batch.disjoint(List.of(key("c"), key("a")))).isFalse();
    assertThat(batch.disjoint(List.of(key("c")))).isTrue();
  }

  @Test
  void aBatchClosesBeforeARecordThatWouldPassTheLimits() {
    // given 10 operations per transaction: a new resource takes 3 (resource, status, history)
    Planner planner = planner(new EtcdLimits(10, EtcdLimits.DEFAULT_MAX_REQUEST_BYTES));
    List<DecodedEvent> events = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      events.add(new DecodedEvent.Applied(meta("e" + i), backend("r" + i, "h.example.com", 0)));
    }

    // when
    Batch batch = batchOf(planner, events);

    // then three fit (3 × 3 + the offset), the fourth starts the next batch
    assertThat(batch.size()).isEqualTo(3);
    assertThat(batch.merged().cost().operations()).isEqualTo(10);
    assertThat(batch.merged().cost().fits(planner.limits())).isTrue();
  }

  @Test
  void aBatchClosesBeforeARecordThatWouldPassTheByteLimit() {
    // given 64 KiB per request and resources of about 20 KiB (each stored twice: resource, history)
    Planner planner = planner(new EtcdLimits(128, 64 * 1024));
    List<DecodedEvent> events = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      events.add(
          new DecodedEvent.Applied(meta("e" + i), backend("r" + i, "h.example.com", 10_000)));
    }

    // when
    Batch batch = batchOf(planner, events);

    // then
    assertThat(batch.size()).isEqualTo(3);
    assertThat(batch.merged().cost().bytes())
        .isLessThanOrEqualTo(planner.limits().transactionBytes());
    assertThat(etcd.commit(batch.merged())).isTrue();
  }

  @Test
  void aRecordTooLargeAloneIsRejectedAndStillJoinsTheBatch() {
    // given a middle record whose effect passes the limits on its own
    Planner planner = planner(new EtcdLimits(128, 64 * 1024));
    List<DecodedEvent> events =
        List.of(
            new DecodedEvent.Applied(meta("e0"), backend("a", "a.example.com", 0)),
            new DecodedEvent.Applied(meta("e1"), backend("b", "b.example.com", 70_000)),
            new DecodedEvent.Applied(meta("e2"), backend("c", "c.example.com", 0)));

    // when
    Batch batch = batchOf(planner, events);
    assertThat(etcd.commit(batch.merged())).isTrue();

    // then it is recorded Rejected with its neighbours applied
    assertThat(batch.size()).isEqualTo(3);
    assertThat(etcd.read(key("b")).status().event("e1").orElseThrow().outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(etcd.read(key("a")).status().event("e0").orElseThrow().outcome())
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(etcd.read(key("c")).status().event("e2").orElseThrow().outcome())
        .isEqualTo(Outcome.ACCEPTED);
  }

  private PartitionOffset at(int partition, long offset) {
    return new PartitionOffset(
        TOPIC,
        partition,
        new AppliedOffset(offset, 1_000 + offset, Optional.empty()),
        etcd.modRevision(Keyspace.offset(TOPIC, partition)));
  }

  /** One record of {@code partition} at {@code offset}, planned on what etcd holds now. */
  private boolean add(
      Batch batch, Planner planner, int partition, long offset, DecodedEvent event) {
    List<ResourceKey> keys = Planner.keysOf(event);
    return batch.add(
        new IncomingRecord(TOPIC, partition, offset, 1_000 + offset, NS, Map.of(), new byte[0]),
        keys,
        planner.plan(event, etcd.read(keys), at(partition, offset)));
  }

  @Test
  void twoPartitionsBatchesInOneTransactionEachRecordTheirOwnOffsetAndCostTheirSum() {
    // given a batch of partition 0 and one of partition 1 beside it, on other keys
    Planner planner = planner(EtcdLimits.defaults());
    Batch first = new Batch(planner.limits());
    assertThat(
            add(
                first,
                planner,
                0,
                4,
                new DecodedEvent.Applied(meta("e0"), backend("a", "a.example.com", 0))))
        .isTrue();
    assertThat(
            add(
                first,
                planner,
                0,
                5,
                new DecodedEvent.Applied(meta("e1"), backend("b", "b.example.com", 0))))
        .isTrue();
    Batch second = new Batch(planner.limits(), first.cost());
    assertThat(add(second, planner, 1, 9, new DecodedEvent.Deleted(meta("e2"), key("c")))).isTrue();

    // when they are committed as one
    Plan together = Batch.together(List.of(first, second));
    assertThat(together.cost()).isEqualTo(first.cost().plus(second.cost()));
    assertThat(etcd.commit(together)).isTrue();

    // then each record has its outcome and each partition its own last offset
    assertThat(etcd.read(key("a")).status().event("e0").orElseThrow().outcome())
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(etcd.read(key("b")).status().event("e1").orElseThrow().outcome())
        .isEqualTo(Outcome.ACCEPTED);
    assertThat(etcd.read(key("c")).status().event("e2").orElseThrow().outcome())
        .isEqualTo(Outcome.DELETED);
    assertThat(AppliedOffset.parse(etcd.get(Keyspace.offset(TOPIC, 0))).offset()).isEqualTo(5);
    assertThat(AppliedOffset.parse(etcd.get(Keyspace.offset(TOPIC, 1))).offset()).isEqualTo(9);
  }

  @Test
  void aMovedOffsetOfOnePartitionLandsNothingOfTheTransactionItShares() {
    // given two partitions' batches planned together
    Planner planner = planner(EtcdLimits.defaults());
    Batch first = new Batch(planner.limits());
    add(
        first,
        planner,
        0,
        0,
        new DecodedEvent.Applied(meta("e0"), backend("a", "a.example.com", 0)));
    Batch second = new Batch(planner.limits(), first.cost());
    add(
        second,
        planner,
        1,
        0,
        new DecodedEvent.Applied(meta("e1"), backend("b", "b.example.com", 0)));

    // when another applier records partition 1's offset first
    assertThat(etcd.commit(planner.unrecorded(at(1, 0)))).isTrue();

    // then the shared transaction fails its guard and writes nothing, partition 0's part neither
    assertThat(etcd.commit(Batch.together(List.of(first, second)))).isFalse();
    assertThat(etcd.read(key("a")).resource()).isNull();
    assertThat(etcd.get(Keyspace.offset(TOPIC, 0))).isNull();
  }

  @Test
  void aBatchBesideOthersTakesNoRecordThatWouldPassTheLimitsOfTheWhole() {
    // given a limit of 8 operations and a batch of partition 0 that takes 7 (two new resources:
    // resource, status and history each, and the offset)
    Planner planner = planner(new EtcdLimits(8, EtcdLimits.DEFAULT_MAX_REQUEST_BYTES));
    Batch first = new Batch(planner.limits());
    add(
        first,
        planner,
        0,
        0,
        new DecodedEvent.Applied(meta("e0"), backend("a", "a.example.com", 0)));
    add(
        first,
        planner,
        0,
        1,
        new DecodedEvent.Applied(meta("e1"), backend("b", "b.example.com", 0)));
    assertThat(first.cost().operations()).isEqualTo(7);

    // when partition 1's first record (4 operations with its offset) is offered beside it
    Batch second = new Batch(planner.limits(), first.cost());
    boolean added =
        add(
            second,
            planner,
            1,
            0,
            new DecodedEvent.Applied(meta("e2"), backend("c", "c.example.com", 0)));

    // then it waits for a transaction of its own: alone it fits, beside the first it does not
    assertThat(added).isFalse();
    assertThat(second.isEmpty()).isTrue();
    Batch alone = new Batch(planner.limits());
    assertThat(
            add(
                alone,
                planner,
                1,
                0,
                new DecodedEvent.Applied(meta("e2"), backend("c", "c.example.com", 0))))
        .isTrue();
  }
}
