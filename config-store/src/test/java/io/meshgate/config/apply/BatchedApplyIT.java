package io.meshgate.config.apply;

import static io.meshgate.config.apply.ApplierFixture.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A poll's consecutive records of one partition land in one etcd transaction, each with its own
 * outcome, and each exactly once when the applier dies inside a batch. The records are published
 * before the applier starts, so that its first poll returns them together (one namespace: one
 * partition).
 */
class BatchedApplyIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final int EVENTS = 20;

  private ApplierFixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new ApplierFixture(kafka, etcd.client());
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  /** EVENTS events on EVENTS keys of one namespace; the one at {@code stale} is stale. */
  private List<ConfigEvent> publishBacklog(int stale) {
    List<ConfigEvent> events = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      events.add(
          fixture.publish(
              fixture.encoder.applied(
                  backend(fixture.ns, "r" + i, "h" + i + ".example.com"),
                  i == stale ? OptionalLong.of(42) : OptionalLong.empty())));
    }
    return events;
  }

  private ResourceKey key(int i) {
    return new ResourceKey(Kind.BACKEND, fixture.ns, "r" + i);
  }

  private void awaitAllRecorded(List<ConfigEvent> events) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              for (int i = 0; i < events.size(); i++) {
                String id = events.get(i).id();
                if (!fixture.reader.status(key(i)).map(s -> s.hasEvent(id)).orElse(false)) {
                  return false;
                }
              }
              return true;
            });
  }

  /** Each event recorded exactly once, Rejected only at {@code stale}, generation 1 elsewhere. */
  private void assertEachAppliedOnce(List<ConfigEvent> events, int stale) {
    for (int i = 0; i < events.size(); i++) {
      ApplierStatus status = fixture.reader.status(key(i)).orElseThrow();
      assertThat(status.events())
          .as("r%d's outcomes", i)
          .extracting(EventRecord::id)
          .containsExactly(events.get(i).id());
      if (i == stale) {
        assertThat(status.events().get(0).outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(fixture.reader.resource(key(i))).isEmpty();
      } else {
        assertThat(status.events().get(0).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(fixture.reader.resource(key(i)).orElseThrow().metadata().generation())
            .isEqualTo(1);
      }
    }
  }

  @Test
  void aPollsRecordsLandTogetherEachWithItsOwnOutcomeAndAStaleOneRejectsOnlyItself() {
    // given a backlog of events on distinct keys of one partition, one of them stale
    int stale = 7;
    List<ConfigEvent> events = publishBacklog(stale);
    RecordMetadata last =
        fixture.send(
            events.get(EVENTS - 1).key(),
            events.get(EVENTS - 1).headers(),
            events.get(EVENTS - 1).value());
    List<List<IncomingRecord>> batches = new CopyOnWriteArrayList<>();
    List<AppliedEvent> heard = new CopyOnWriteArrayList<>();
    List<Long> afterTransaction = new CopyOnWriteArrayList<>();

    // when an applier starts
    fixture.start(
        "batching",
        new Applier.Hooks() {
          @Override
          public void planned(List<IncomingRecord> records) {
            batches.add(records);
          }

          @Override
          public void afterTransaction(IncomingRecord record) {
            afterTransaction.add(record.offset());
          }

          @Override
          public void applied(AppliedEvent event) {
            heard.add(event);
          }
        });
    awaitAllRecorded(events);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> fixture.reader.appliedOffset(fixture.topic, last.partition()) == last.offset());

    // then several records shared a transaction, and each has its own outcome
    assertThat(batches).anySatisfy(b -> assertThat(b.size()).isGreaterThan(1));
    assertEachAppliedOnce(events, stale);
    // the hooks hear every record once: EVENTS applied or rejected, and the redelivered duplicate
    assertThat(heard)
        .extracting(AppliedEvent::result)
        .containsOnly(
            AppliedEvent.Result.ACCEPTED,
            AppliedEvent.Result.REJECTED,
            AppliedEvent.Result.DUPLICATE);
    assertThat(heard).hasSize(EVENTS + 1);
    assertThat(heard).filteredOn(e -> e.result() == AppliedEvent.Result.REJECTED).hasSize(1);
    assertThat(afterTransaction).doesNotHaveDuplicates().hasSize(EVENTS + 1);
  }

  @Test
  void anApplierKilledBetweenPlanningABatchAndItsCommitLeavesEachRecordToItsSuccessorOnce() {
    // given a backlog, and an applier that dies once it has planned a batch of several records
    int stale = 3;
    List<ConfigEvent> events = publishBacklog(stale);
    AtomicBoolean crashed = new AtomicBoolean();
    Applier crashing =
        fixture.start(
            "crashing",
            new Applier.Hooks() {
              @Override
              public void planned(List<IncomingRecord> records) {
                if (records.size() > 1 && crashed.compareAndSet(false, true)) {
                  throw new ApplierIT.SimulatedCrash();
                }
              }
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> crashing.failure() instanceof ApplierIT.SimulatedCrash);
    crashing.close();

    // when a successor takes over
    fixture.start("successor");

    // then every record is applied once
    awaitAllRecorded(events);
    assertEachAppliedOnce(events, stale);
  }

  @Test
  void aBatchWhoseCommitLandsButWhoseAnswerIsLostAppliesEachRecordOnce() {
    // given a backlog, and an applier that dies right after a batch of several records commits,
    // before it handles any of them (as if the commit's answer were lost)
    int stale = 12;
    List<ConfigEvent> events = publishBacklog(stale);
    AtomicBoolean inBatch = new AtomicBoolean();
    AtomicBoolean crashed = new AtomicBoolean();
    Applier crashing =
        fixture.start(
            "crashing",
            new Applier.Hooks() {
              @Override
              public void planned(List<IncomingRecord> records) {
                inBatch.set(records.size() > 1);
              }

              @Override
              public void afterTransaction(IncomingRecord record) {
                if (inBatch.get() && crashed.compareAndSet(false, true)) {
                  throw new ApplierIT.SimulatedCrash();
                }
              }
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> crashing.failure() instanceof ApplierIT.SimulatedCrash);
    crashing.close();

    // when a successor takes over
    fixture.start("successor");

    // then every record is applied once
    awaitAllRecorded(events);
    assertEachAppliedOnce(events, stale);
  }

  /** A namespace whose events (keyed by namespace) land on another partition than {@code ns}'s. */
  private static String namespaceOnAnotherPartition(String ns, int partitions) {
    int taken = partitionOf(ns, partitions);
    for (int i = 0; ; i++) {
      String other = ns + "x" + i;
      if (partitionOf(other, partitions) != taken) {
        return other;
      }
    }
  }

  private static int partitionOf(String key, int partitions) {
    // Kafka's default partitioner for a keyed record
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** Events on distinct keys of two namespaces on two partitions, interleaved. */
  private List<ConfigEvent> publishOnTwoPartitions(String other) {
    List<ConfigEvent> events = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      String ns = i % 2 == 0 ? fixture.ns : other;
      events.add(
          fixture.publish(
              fixture.encoder.applied(
                  backend(ns, "r" + i, "h" + i + ".example.com"), OptionalLong.empty())));
    }
    return events;
  }

  private void awaitEachAcceptedOnce(List<ConfigEvent> events, String other) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              for (int i = 0; i < events.size(); i++) {
                ResourceKey key =
                    new ResourceKey(Kind.BACKEND, i % 2 == 0 ? fixture.ns : other, "r" + i);
                String id = events.get(i).id();
                if (!fixture.reader.status(key).map(s -> s.hasEvent(id)).orElse(false)) {
                  return false;
                }
              }
              return true;
            });
    for (int i = 0; i < events.size(); i++) {
      ResourceKey key = new ResourceKey(Kind.BACKEND, i % 2 == 0 ? fixture.ns : other, "r" + i);
      assertThat(fixture.reader.status(key).orElseThrow().events())
          .as("%s's outcomes", key)
          .extracting(EventRecord::id, EventRecord::outcome)
          .containsExactly(tuple(events.get(i).id(), Outcome.ACCEPTED));
      assertThat(fixture.reader.resource(key).orElseThrow().metadata().generation()).isEqualTo(1);
    }
  }

  @Test
  void aPollsPartitionsShareATransactionEachWithItsOwnOffset() {
    // given a backlog on two partitions
    String other = namespaceOnAnotherPartition(fixture.ns, 6);
    List<ConfigEvent> events = publishOnTwoPartitions(other);
    RecordMetadata lastHere =
        fixture.send(
            events.get(EVENTS - 2).key(),
            events.get(EVENTS - 2).headers(),
            events.get(EVENTS - 2).value());
    RecordMetadata lastThere =
        fixture.send(
            events.get(EVENTS - 1).key(),
            events.get(EVENTS - 1).headers(),
            events.get(EVENTS - 1).value());
    List<List<IncomingRecord>> transactions = new CopyOnWriteArrayList<>();

    // when an applier starts
    fixture.start(
        "sharing",
        new Applier.Hooks() {
          @Override
          public void planned(List<IncomingRecord> records) {
            transactions.add(records);
          }
        });

    // then each event is applied once, some transaction held both partitions' records, and each
    // partition's offset is its last record's
    awaitEachAcceptedOnce(events, other);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                fixture.reader.appliedOffset(fixture.topic, lastHere.partition())
                        == lastHere.offset()
                    && fixture.reader.appliedOffset(fixture.topic, lastThere.partition())
                        == lastThere.offset());
    assertThat(transactions)
        .anySatisfy(
            records ->
                assertThat(records.stream().map(IncomingRecord::partition).distinct())
                    .containsExactlyInAnyOrder(lastHere.partition(), lastThere.partition()));
  }

  @Test
  void anApplierKilledRightAfterATransactionOfTwoPartitionsLeavesEachRecordToItsSuccessorOnce() {
    // given a backlog on two partitions, and an applier that dies right after a transaction that
    // holds both commits, before it handles any of its records (as if the answer were lost)
    String other = namespaceOnAnotherPartition(fixture.ns, 6);
    List<ConfigEvent> events = publishOnTwoPartitions(other);
    AtomicBoolean shared = new AtomicBoolean();
    AtomicBoolean crashed = new AtomicBoolean();
    Applier crashing =
        fixture.start(
            "crashing",
            new Applier.Hooks() {
              @Override
              public void planned(List<IncomingRecord> records) {
                shared.set(records.stream().map(IncomingRecord::partition).distinct().count() > 1);
              }

              @Override
              public void afterTransaction(IncomingRecord record) {
                if (shared.get() && crashed.compareAndSet(false, true)) {
                  throw new ApplierIT.SimulatedCrash();
                }
              }
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> crashing.failure() instanceof ApplierIT.SimulatedCrash);
    crashing.close();

    // when a successor takes over
    fixture.start("successor");

    // then every record is applied once
    awaitEachAcceptedOnce(events, other);
  }

  @Test
  void anOffsetMovedBehindTheAppliersBackFailsTheGuardItRemembersAndWhatLandedMeanwhileIsSkipped() {
    // given an applier that applied the partition's first record, so it knows the stored offset
    // without reading it, and four records on distinct keys of one partition
    List<IncomingRecord> records = new ArrayList<>();
    List<ConfigEvent> events = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ConfigEvent event =
          fixture.encoder.applied(
              backend(fixture.ns, "r" + i, "h" + i + ".example.com"), OptionalLong.empty());
      events.add(event);
      records.add(
          new IncomingRecord(
              fixture.topic,
              0,
              i,
              System.currentTimeMillis(),
              event.key(),
              event.headers(),
              event.value()));
    }
    RecordApplier first = recordApplier();
    List<AppliedEvent.Result> firstHeard = new ArrayList<>();
    first.applyAll(records.subList(0, 1), (record, done) -> firstHeard.add(done.result()));

    // when another applier (a rebalance) applies the next two, then the first is given all three
    RecordApplier other = recordApplier();
    other.applyAll(records.subList(1, 3), (record, done) -> {});
    List<AppliedEvent.Result> heard = new ArrayList<>();
    first.applyAll(records.subList(1, 4), (record, done) -> heard.add(done.result()));

    // then the offset it remembered no longer guards: it reads the offset again, skips the two the
    // other one applied, and applies the last; each event is recorded once
    assertThat(firstHeard).containsExactly(AppliedEvent.Result.ACCEPTED);
    assertThat(heard)
        .containsExactly(
            AppliedEvent.Result.SKIPPED, AppliedEvent.Result.SKIPPED, AppliedEvent.Result.ACCEPTED);
    for (int i = 0; i < 4; i++) {
      assertThat(fixture.reader.status(key(i)).orElseThrow().events())
          .as("r%d's outcomes", i)
          .extracting(EventRecord::id)
          .containsExactly(events.get(i).id());
    }
    assertThat(fixture.reader.appliedOffset(fixture.topic, 0)).isEqualTo(3);
  }

  private RecordApplier recordApplier() {
    return new RecordApplier(
        new AppliedLog(etcd.client(), Duration.ofSeconds(5), EtcdLimits.defaults()),
        ApplierFixture.planner(EtcdLimits.defaults()),
        Applier.Hooks.NONE,
        (record, reasons) -> {
          throw new AssertionError("nothing is rejected here");
        });
  }
}
