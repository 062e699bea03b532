package io.meshgate.config.apply;

import static io.meshgate.config.apply.ApplierFixture.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.HistoryEntry;
import io.meshgate.embedded.EtcdMember;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The exactly-once proof, randomized: each run publishes a random sequence of upserts, deletes and
 * changesets over 12 keys in 3 namespaces, with redelivered events, while faults are injected — an
 * applier crashing between its etcd transaction and its Kafka commit, or inside a batch (with a
 * batch of several records planned but not yet sent, or right after such a batch commits, as if its
 * answer were lost), a second applier joining and the first leaving (rebalances), an etcd member
 * killed — and then replays the whole topic. Half the runs start the first applier only after a
 * quarter of the events are published, so that its polls return several records of a partition and
 * the applier batches them. After each run etcd must equal a simple model, every event must have
 * exactly one recorded outcome per resource it touched, and generations must only grow within one
 * life.
 *
 * <p>The appliers plan within {@link #LIMITS}, 10 etcd operations per transaction, so changesets of
 * three or four items land on both sides of the limit: the model counts each changeset's operations
 * the way docs/events.md describes them, and one that does not fit must end Rejected with nothing
 * of it applied.
 *
 * <p>Each run is a dynamic test named by its seed; rerun one with {@code
 * -Dmeshgate.random.seed=SEED -Dmeshgate.random.runs=1}. The suite runs 15 (new seeds each time);
 * the long run is {@code mvn -o verify -pl config-store -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=RandomizedHistoryIT -Dmeshgate.random.runs=1000
 * -Dfailsafe.timeout=0}.
 */
class RandomizedHistoryIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.embedded();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(3);

  private static final int KEYS_PER_NAMESPACE = 4;
  private static final int NAMESPACES = 3;
  private static final int OPERATIONS = 40;
  private static final EtcdLimits LIMITS = new EtcdLimits(10, EtcdLimits.DEFAULT_MAX_REQUEST_BYTES);
  private static final List<String> HOSTS =
      List.of("a.example.com", "b.example.com", "c.example.com");

  @TestFactory
  Stream<DynamicTest> randomRunsMatchTheModel() {
    int runs = Integer.getInteger("meshgate.random.runs", 15);
    long base = Long.getLong("meshgate.random.seed", new Random().nextLong());
    Random seeds = new Random(base);
    Stream<DynamicTest> seeded =
        Stream.iterate(base, s -> seeds.nextLong())
            .limit(runs)
            .map(seed -> DynamicTest.dynamicTest("seed " + seed, () -> run(seed)));
    if (runs < 10) {
      return seeded; // a rerun of one seed need not batch
    }
    // Dynamic tests run in order: this one after every seeded run.
    return Stream.concat(
        seeded,
        Stream.of(
            DynamicTest.dynamicTest(
                "the runs batched: several records shared a transaction",
                () ->
                    assertThat(SHARED_TRANSACTIONS.get())
                        .as("transactions of several records over %d runs", runs)
                        .isPositive())));
  }

  /** Transactions of the first appliers that held several records, over all runs. */
  private static final AtomicInteger SHARED_TRANSACTIONS = new AtomicInteger();

  /** What the model expects of one key: its spec's hostname and generation, or absent. */
  private record Expected(String hostname, long generation) {}

  private static final class SimulatedCrash extends Error {}

  /** Where the first applier dies, if it does. */
  private enum Crash {
    NONE,
    /** After the c-th transaction, before the Kafka commit (inside a batch: after its commit). */
    AFTER_TRANSACTION,
    /** With the c-th batch of several records planned, before its commit is sent. */
    BEFORE_BATCH_COMMIT,
    /** Right after the c-th batch of several records commits, before any of it is handled. */
    BATCH_ANSWER_LOST
  }

  private static Crash crash(Random random) {
    double p = random.nextDouble();
    if (p < 0.3) {
      return Crash.NONE;
    }
    return p < 0.6
        ? Crash.AFTER_TRANSACTION
        : p < 0.8 ? Crash.BEFORE_BATCH_COMMIT : Crash.BATCH_ANSWER_LOST;
  }

  /** Hooks that throw {@link SimulatedCrash} where {@code crash} says, the {@code at}-th time. */
  private static Applier.Hooks crashing(Crash crash, int at) {
    AtomicInteger transactions = new AtomicInteger();
    AtomicInteger batches = new AtomicInteger();
    AtomicInteger lostAt = new AtomicInteger(-1);
    return new Applier.Hooks() {
      @Override
      public void planned(List<IncomingRecord> records) {
        if (records.size() < 2) {
          return;
        }
        SHARED_TRANSACTIONS.incrementAndGet();
        int batch = batches.incrementAndGet();
        if (crash == Crash.BEFORE_BATCH_COMMIT && batch == at) {
          throw new SimulatedCrash();
        }
        if (crash == Crash.BATCH_ANSWER_LOST && batch == at) {
          lostAt.set(transactions.get() + 1);
        }
      }

      @Override
      public void afterTransaction(IncomingRecord record) {
        int transaction = transactions.incrementAndGet();
        if ((crash == Crash.AFTER_TRANSACTION && transaction == at)
            || (crash == Crash.BATCH_ANSWER_LOST && transaction == lostAt.get())) {
          throw new SimulatedCrash();
        }
      }
    };
  }

  private void run(long seed) throws Exception {
    Random random = new Random(seed);
    try (ApplierFixture fixture = new ApplierFixture(kafka, etcd.client())) {
      List<String> namespaces = new ArrayList<>();
      for (int n = 0; n < NAMESPACES; n++) {
        namespaces.add(fixture.ns + "-" + n);
      }
      Map<ResourceKey, Expected> model = new TreeMap<>();
      Map<ResourceKey, List<String>> eventsOf = new LinkedHashMap<>();
      java.util.Set<String> overLimit = new java.util.HashSet<>();
      List<ConfigEvent> published = new ArrayList<>();

      // faults: a crash (after the c-th transaction, or inside the c-th batch of several
      // records), a rebalance, an etcd member kill; and a backlog, so that batches form
      Crash crash = crash(random);
      int crashAt =
          crash == Crash.AFTER_TRANSACTION ? 1 + random.nextInt(OPERATIONS) : 1 + random.nextInt(2);
      boolean rebalance = random.nextBoolean();
      boolean killMember = random.nextDouble() < 0.2;
      boolean backlog = random.nextBoolean();
      Applier.Hooks crashing = crashing(crash, crashAt);
      Applier first =
          backlog ? null : fixture.start("first", crashing, ApplierFixture.planner(LIMITS));
      EtcdMember killed = null;

      for (int op = 0; op < OPERATIONS; op++) {
        if (backlog && op == OPERATIONS / 4) {
          // the first quarter waits in Kafka: the first polls return several records per partition
          first = fixture.start("first", crashing, ApplierFixture.planner(LIMITS));
        }
        if (rebalance && op == OPERATIONS / 3) {
          fixture.start("second", LIMITS);
        }
        if (rebalance && op == 2 * OPERATIONS / 3) {
          first.close();
        }
        if (killMember && op == OPERATIONS / 2) {
          killed = etcd.member(random.nextInt(3));
          killed.kill();
        }
        String ns = namespaces.get(random.nextInt(NAMESPACES));
        double kind = random.nextDouble();
        ConfigEvent event;
        if (kind < 0.6) {
          ResourceKey key = key(ns, random);
          String host = HOSTS.get(random.nextInt(HOSTS.size()));
          event = fixture.encoder.applied(backend(ns, key.name(), host), OptionalLong.empty());
          upsert(model, key, host);
          eventsOf.computeIfAbsent(key, k -> new ArrayList<>()).add(event.id());
        } else if (kind < 0.8) {
          ResourceKey key = key(ns, random);
          event = fixture.encoder.deleted("meshgate.io/v1alpha1", key, OptionalLong.empty());
          model.remove(key);
          eventsOf.computeIfAbsent(key, k -> new ArrayList<>()).add(event.id());
        } else {
          List<Resource> upserts = new ArrayList<>();
          List<ResourceKey> deletes = new ArrayList<>();
          List<ResourceKey> touched = new ArrayList<>();
          for (int i = 0; i < KEYS_PER_NAMESPACE; i++) {
            if (random.nextBoolean()) {
              continue;
            }
            ResourceKey key = new ResourceKey(Kind.BACKEND, ns, "r" + i);
            touched.add(key);
            if (random.nextDouble() < 0.75) {
              upserts.add(backend(ns, key.name(), HOSTS.get(random.nextInt(HOSTS.size()))));
            } else {
              deletes.add(key);
            }
          }
          if (touched.isEmpty()) {
            ResourceKey key = new ResourceKey(Kind.BACKEND, ns, "r0");
            touched.add(key);
            upserts.add(backend(ns, "r0", HOSTS.get(0)));
          }
          event = fixture.encoder.changeset(ns, upserts, deletes);
          if (operations(model, upserts, deletes) <= LIMITS.maxTxnOps()) {
            for (Resource r : upserts) {
              upsert(model, r.key(), r.spec(BackendSpec.class).dns().hostname());
            }
            deletes.forEach(model::remove);
          } else {
            overLimit.add(event.id()); // rejected, nothing of it applied
          }

          for (ResourceKey key : touched) {
            eventsOf.computeIfAbsent(key, k -> new ArrayList<>()).add(event.id());
          }
        }
        fixture.publish(event);
        published.add(event);
        if (random.nextDouble() < 0.15) {
          fixture.publish(event); // redelivered: the same ce_id again
        }
      }

      Applier started = first;
      // the crashed applier is replaced (its partitions go to a successor); the member comes back
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> started.failure() instanceof SimulatedCrash || allRecorded(fixture, eventsOf));
      if (started.failure() instanceof SimulatedCrash) {
        started.close();
        fixture.start("successor", LIMITS);
      }
      if (killed != null) {
        killed.start();
        killed.awaitHealthy(Duration.ofSeconds(30));
      }
      await().atMost(Duration.ofSeconds(90)).until(() -> allRecorded(fixture, eventsOf));

      check(fixture, model, eventsOf, overLimit, seed);

      // replays: every record read again from offset 0 is skipped, and nothing changes
      Map<ResourceKey, Long> versions = versions(fixture, eventsOf);
      AtomicInteger skipped = new AtomicInteger();
      RecordApplier replayer =
          new RecordApplier(
              new AppliedLog(fixture.etcd, Duration.ofSeconds(5), EtcdLimits.defaults()),
              new Planner(java.time.Clock.systemUTC(), () -> "never-used"),
              new Applier.Hooks() {
                @Override
                public void skipped(IncomingRecord record) {
                  skipped.incrementAndGet();
                }
              },
              (record, reasons) -> {
                throw new AssertionError("seed " + seed + ": nothing is rejected on replay");
              });
      List<ConsumerRecord<String, byte[]>> all = readAll(fixture.topic);
      for (ConsumerRecord<String, byte[]> record : all) {
        replayer.apply(ApplierFixture.incoming(record));
      }
      assertThat(skipped.get()).as("seed %d: replayed records skipped", seed).isEqualTo(all.size());
      assertThat(versions(fixture, eventsOf))
          .as("seed %d: replay changed nothing", seed)
          .isEqualTo(versions);
    }
  }

  private static ResourceKey key(String ns, Random random) {
    return new ResourceKey(Kind.BACKEND, ns, "r" + random.nextInt(KEYS_PER_NAMESPACE));
  }

  /**
   * The etcd operations of a changeset's transaction: per upsert the resource (when it changes),
   * its status, a history entry (for a new generation) and a prune (past the history limit); per
   * delete the resource, its status and its history (only the status when it is absent); and the
   * offset.
   */
  private static int operations(
      Map<ResourceKey, Expected> model, List<Resource> upserts, List<ResourceKey> deletes) {
    int operations = 1;
    for (Resource r : upserts) {
      Expected before = model.get(r.key());
      String host = r.spec(BackendSpec.class).dns().hostname();
      if (before == null) {
        operations += 3;
      } else if (!before.hostname().equals(host)) {
        operations += before.generation() + 1 > Planner.DEFAULT_HISTORY ? 4 : 3;
      } else {
        operations += 1;
      }
    }
    for (ResourceKey key : deletes) {
      operations += model.containsKey(key) ? 3 : 1;
    }
    return operations;
  }

  private static void upsert(Map<ResourceKey, Expected> model, ResourceKey key, String host) {
    Expected before = model.get(key);
    if (before == null) {
      model.put(key, new Expected(host, 1));
    } else if (!before.hostname().equals(host)) {
      model.put(key, new Expected(host, before.generation() + 1));
    }
  }

  private static boolean allRecorded(
      ApplierFixture fixture, Map<ResourceKey, List<String>> eventsOf) {
    for (Map.Entry<ResourceKey, List<String>> entry : eventsOf.entrySet()) {
      List<String> ids = entry.getValue();
      if (!fixture
          .reader
          .status(entry.getKey())
          .map(s -> s.hasEvent(ids.get(ids.size() - 1)))
          .orElse(false)) {
        return false;
      }
    }
    return true;
  }

  private static void check(
      ApplierFixture fixture,
      Map<ResourceKey, Expected> model,
      Map<ResourceKey, List<String>> eventsOf,
      java.util.Set<String> overLimit,
      long seed) {
    for (Map.Entry<ResourceKey, List<String>> entry : eventsOf.entrySet()) {
      ResourceKey key = entry.getKey();
      String at = "seed " + seed + ": " + key;
      Expected expected = model.get(key);
      var stored = fixture.reader.resource(key);
      // etcd equals the model
      assertThat(stored.isPresent()).as(at + " exists").isEqualTo(expected != null);
      if (expected != null) {
        assertThat(stored.get().spec(BackendSpec.class).dns().hostname())
            .as(at + " spec")
            .isEqualTo(expected.hostname());
        assertThat(stored.get().metadata().generation())
            .as(at + " generation")
            .isEqualTo(expected.generation());
        // generations only grow within one life, one at a time, up to the current one
        List<HistoryEntry> history = fixture.reader.history(key);
        assertThat(history).as(at + " history").isNotEmpty();
        for (int i = 1; i < history.size(); i++) {
          assertThat(history.get(i).generation())
              .as(at + " history order")
              .isEqualTo(history.get(i - 1).generation() + 1);
        }
        assertThat(history.get(history.size() - 1).generation())
            .as(at + " newest history entry")
            .isEqualTo(expected.generation());
      }
      // every event has exactly one recorded outcome, in publish order
      ApplierStatus status = fixture.reader.status(key).orElseThrow();
      assertThat(status.events())
          .extracting(EventRecord::id)
          .as(at + " outcomes")
          .containsExactlyElementsOf(entry.getValue());
      // the changesets over the limit, and only those, are rejected, with the numbers
      for (EventRecord record : status.events()) {
        if (overLimit.contains(record.id())) {
          assertThat(record.outcome())
              .as(at + " over the limit: " + record.id())
              .isEqualTo(Outcome.REJECTED);
          assertThat(record.reasons().get(0).message())
              .as(at + " reason")
              .contains("etcd operations")
              .contains("etcd allows 10 of each");
        } else {
          assertThat(record.outcome())
              .as(at + " within the limit: " + record.id())
              .isNotEqualTo(Outcome.REJECTED);
        }
      }
      long generation = 0;
      for (EventRecord record : status.events()) {
        if (record.outcome() == Outcome.DELETED) {
          generation = 0;
        } else if (record.outcome() == Outcome.ACCEPTED) {
          assertThat(record.generation())
              .as(at + " accepted generations")
              .isGreaterThanOrEqualTo(Math.max(1, generation));
          generation = record.generation();
        }
      }
    }
  }

  private static Map<ResourceKey, Long> versions(
      ApplierFixture fixture, Map<ResourceKey, List<String>> eventsOf) {
    Map<ResourceKey, Long> versions = new TreeMap<>();
    for (ResourceKey key : eventsOf.keySet()) {
      versions.put(
          key, fixture.reader.resource(key).map(r -> r.metadata().resourceVersion()).orElse(0L));
    }
    return versions;
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
    Map<String, Object> config = new java.util.HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long total = end.values().stream().mapToLong(Long::longValue).sum();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= total;
              });
    }
    return records;
  }
}
