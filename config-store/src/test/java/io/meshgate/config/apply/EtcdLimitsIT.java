package io.meshgate.config.apply;

import static io.meshgate.config.apply.ApplierFixture.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.AppliedOffset;
import io.meshgate.embedded.LocalEtcd;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Events at and past etcd's transaction limits, on real etcd: each ends Accepted or Rejected with a
 * reason, and the next event of the same namespace is Accepted right after — the partition never
 * stalls. Both ways are covered: meshgate's planner refusing what will not fit, and etcd refusing a
 * transaction because its limits are lower than meshgate was told.
 */
class EtcdLimitsIT {
  private static final int STRICT_OPS = 32;
  private static final long STRICT_BYTES = 256 * 1024;

  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();

  /** etcd with its default limits: 128 operations, 1.5 MiB. */
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  /** etcd with lower limits than meshgate's defaults. */
  @RegisterExtension
  static EtcdCluster strict =
      EtcdCluster.local(LocalEtcd.builder().maxTxnOps(STRICT_OPS).maxRequestBytes(STRICT_BYTES));

  private final List<ApplierFixture> fixtures = new ArrayList<>();

  private ApplierFixture fixture(EtcdCluster cluster) {
    ApplierFixture fixture = new ApplierFixture(kafka, cluster.client());
    fixtures.add(fixture);
    return fixture;
  }

  @AfterEach
  void tearDown() {
    fixtures.forEach(ApplierFixture::close);
  }

  private static EventRecord outcome(ApplierFixture fixture, ResourceKey key, String eventId) {
    ApplierStatus status =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> fixture.reader.status(key).filter(s -> s.hasEvent(eventId)).orElse(null),
                s -> s != null);
    return status.event(eventId).orElseThrow();
  }

  private static String message(EventRecord record) {
    return record.reasons().stream().map(Reason::message).reduce("", (a, b) -> a + b);
  }

  private static Resource sized(String ns, String name, int annotationBytes, String hostname) {
    Resource r = backend(ns, name, hostname);
    return r.withMetadata(
        new ObjectMeta(
            name,
            ns,
            null,
            Map.of("example.com/blob", "x".repeat(annotationBytes)),
            null,
            null,
            null,
            null));
  }

  /** {@code count} Backends with {@code generations} generations each, built by changesets. */
  private static List<Resource> withHistories(ApplierFixture fixture, int count, int generations) {
    List<Resource> last = new ArrayList<>();
    for (int g = 1; g <= generations; g++) {
      for (int from = 0; from < count; from += 20) {
        List<Resource> items = new ArrayList<>();
        for (int i = from; i < Math.min(count, from + 20); i++) {
          items.add(backend(fixture.ns, "b" + i, g + ".example.com"));
        }
        ConfigEvent event =
            fixture.publish(fixture.encoder.changeset(fixture.ns, items, List.of()));
        assertThat(outcome(fixture, items.get(0).key(), event.id()).outcome())
            .isEqualTo(Outcome.ACCEPTED);
        if (g == generations) {
          last.addAll(items);
        }
      }
    }
    return last;
  }

  /** The next event of the namespace is applied right after. */
  private static void nextEventIsAccepted(ApplierFixture fixture) {
    Resource next = backend(fixture.ns, "next", "next.example.com");
    ConfigEvent event = fixture.publish(fixture.encoder.applied(next, OptionalLong.empty()));
    assertThat(outcome(fixture, next.key(), event.id()).outcome()).isEqualTo(Outcome.ACCEPTED);
  }

  @Test
  void aChangesetOver128OperationsIsRejectedWithTheNumbersAndNothingOfItApplied() {
    // given: 40 Backends with 10 generations each
    ApplierFixture fixture = fixture(etcd);
    fixture.start("a");
    List<Resource> stored = withHistories(fixture, 40, 10);

    // when: a new version of all 40 at once
    List<Resource> update =
        stored.stream()
            .map(r -> backend(fixture.ns, r.metadata().name(), "new.example.com"))
            .toList();
    ConfigEvent event = fixture.publish(fixture.encoder.changeset(fixture.ns, update, List.of()));

    // then
    EventRecord outcome = outcome(fixture, update.get(0).key(), event.id());
    assertThat(outcome.outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(message(outcome))
        .contains("needs 161 etcd operations and 81 comparisons")
        .contains("etcd allows 128")
        .contains("split it");
    for (Resource r : update) {
      Resource now = fixture.reader.resource(r.key()).orElseThrow();
      assertThat(now.metadata().generation()).isEqualTo(10);
      assertThat(now.spec()).isNotEqualTo(r.spec());
    }
    nextEventIsAccepted(fixture);
  }

  @Test
  void deletesOfResourcesWithFullHistoriesAreApplied() {
    ApplierFixture fixture = fixture(etcd);
    fixture.start("a");
    List<Resource> stored = withHistories(fixture, 40, 11);

    List<ResourceKey> keys = stored.stream().map(Resource::key).toList();
    ConfigEvent event = fixture.publish(fixture.encoder.changeset(fixture.ns, List.of(), keys));

    assertThat(outcome(fixture, keys.get(39), event.id()).outcome()).isEqualTo(Outcome.DELETED);
    for (ResourceKey key : keys) {
      assertThat(fixture.reader.resource(key)).isEmpty();
      assertThat(fixture.reader.history(key)).isEmpty();
    }
    nextEventIsAccepted(fixture);
  }

  @Test
  void aChangesetOfAboutOneMiBIsRejectedForItsBytes() {
    // given: three resources of 320 KiB: under Kafka's 1 MiB, about 1.9 MiB in etcd with history
    ApplierFixture fixture = fixture(etcd);
    fixture.start("a");
    List<Resource> items =
        IntStream.range(0, 3)
            .mapToObj(i -> sized(fixture.ns, "large" + i, 320 * 1024, "a.example.com"))
            .toList();

    ConfigEvent event = fixture.publish(fixture.encoder.changeset(fixture.ns, items, List.of()));

    EventRecord outcome = outcome(fixture, items.get(0).key(), event.id());
    assertThat(outcome.outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(message(outcome))
        .contains("needs an etcd transaction of 1.8")
        .contains("etcd allows 1.50 MiB")
        .contains("MESHGATE_ETCD_MAX_REQUEST_BYTES");
    assertThat(fixture.reader.resource(items.get(2).key())).isEmpty();
    nextEventIsAccepted(fixture);
  }

  @Test
  void aResourceAtTheSizeLimitIsAppliedWithItsHistory() {
    ApplierFixture fixture = fixture(etcd);
    fixture.start("a");
    Resource last = null;
    String lastId = null;
    for (int g = 1; g <= 12; g++) {
      // the largest a resource may be: 512 KiB as JSON, less room for its metadata and spec
      last =
          sized(
              fixture.ns,
              "large",
              io.meshgate.config.validate.ResourceValidator.MAX_RESOURCE_BYTES - 1024,
              g + ".example.com");
      lastId = fixture.publish(fixture.encoder.applied(last, OptionalLong.empty())).id();
    }

    assertThat(outcome(fixture, last.key(), lastId).outcome()).isEqualTo(Outcome.ACCEPTED);
    assertThat(fixture.reader.status(last.key()).orElseThrow().events())
        .extracting(EventRecord::outcome)
        .containsOnly(Outcome.ACCEPTED)
        .hasSize(12);
    assertThat(fixture.reader.resource(last.key()).orElseThrow().metadata().generation())
        .isEqualTo(12);
    assertThat(fixture.reader.history(last.key())).hasSize(Planner.DEFAULT_HISTORY);
  }

  @Test
  void aTransactionEtcdRefusesForItsOperationsEndsRejectedWithEtcdsAnswer() {
    // given: meshgate told etcd allows 128 operations; this etcd allows 32
    ApplierFixture fixture = fixture(strict);
    fixture.start("a");
    List<Resource> items =
        IntStream.range(0, 12)
            .mapToObj(i -> backend(fixture.ns, "b" + i, "a.example.com"))
            .toList();

    // when: 12 new resources need 37 operations
    ConfigEvent event = fixture.publish(fixture.encoder.changeset(fixture.ns, items, List.of()));

    // then: etcd's refusal is the outcome, recorded on every resource (the rejection fits)
    EventRecord outcome = outcome(fixture, items.get(11).key(), event.id());
    assertThat(outcome.outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(message(outcome))
        .contains("etcd refused the transaction for this changeset of 12 resources")
        .contains("37 operations")
        .contains("too many operations in txn request")
        .contains("MESHGATE_ETCD_MAX_TXN_OPS");
    assertThat(fixture.reader.resource(items.get(0).key())).isEmpty();
    nextEventIsAccepted(fixture);
  }

  @Test
  void whenEtcdRefusesEvenTheRejectionTheOffsetMovesAndTheRejectedTopicKeepsIt() {
    // given: 20 resources: 61 operations, and 41 comparisons even to record a rejection on each
    ApplierFixture fixture = fixture(strict);
    fixture.start("a");
    List<Resource> items =
        IntStream.range(0, 20)
            .mapToObj(i -> backend(fixture.ns, "b" + i, "a.example.com"))
            .toList();

    ConfigEvent event = fixture.publish(fixture.encoder.changeset(fixture.ns, items, List.of()));

    // then: the copy on the rejected topic carries etcd's answer, and the partition moves on
    ConsumerRecord<String, byte[]> copy = rejectedCopy(fixture, event.id());
    assertThat(
            new String(
                copy.headers().lastHeader("meshgate_reasons").value(), StandardCharsets.UTF_8))
        .contains("too many operations in txn request");
    nextEventIsAccepted(fixture);
    assertThat(fixture.reader.resource(items.get(0).key())).isEmpty();
  }

  @Test
  void meshgateToldEtcdsLimitsRejectsBeforeSending() {
    ApplierFixture fixture = fixture(strict);
    fixture.start("a", new EtcdLimits(STRICT_OPS, STRICT_BYTES));
    List<Resource> items =
        IntStream.range(0, 12)
            .mapToObj(i -> backend(fixture.ns, "b" + i, "a.example.com"))
            .toList();

    ConfigEvent event = fixture.publish(fixture.encoder.changeset(fixture.ns, items, List.of()));

    EventRecord outcome = outcome(fixture, items.get(0).key(), event.id());
    assertThat(message(outcome))
        .startsWith(
            "this changeset of 12 resources and 0 deletes needs 37 etcd operations and 25"
                + " comparisons in one transaction; etcd allows 32 of each");
    nextEventIsAccepted(fixture);
  }

  @Test
  void theMeasuredBytesAreWhatEtcdCounts() {
    // given: resources whose transactions measure 1 KiB under and 1 KiB over etcd's 256 KiB
    ApplierFixture fixture = fixture(strict);
    fixture.start("a"); // told the defaults: every transaction reaches etcd, and etcd judges it
    Resource under = measuredAt(fixture.ns, "under", STRICT_BYTES - EtcdLimits.RAFT_HEADER_RESERVE);
    Resource over = measuredAt(fixture.ns, "over", STRICT_BYTES + 1024);

    // when
    ConfigEvent underEvent = fixture.publish(fixture.encoder.applied(under, OptionalLong.empty()));
    ConfigEvent overEvent = fixture.publish(fixture.encoder.applied(over, OptionalLong.empty()));

    // then: etcd takes the one and refuses the other as too large
    assertThat(outcome(fixture, under.key(), underEvent.id()).outcome())
        .isEqualTo(Outcome.ACCEPTED);
    EventRecord refused = outcome(fixture, over.key(), overEvent.id());
    assertThat(refused.outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(message(refused))
        .contains("request is too large")
        .contains("MESHGATE_ETCD_MAX_REQUEST_BYTES");
    nextEventIsAccepted(fixture);
  }

  /** A new Backend whose applier transaction the planner measures at about {@code bytes}. */
  private static Resource measuredAt(String ns, String name, long bytes) {
    // A clock with every digit of its nanoseconds set: the timestamps the planner writes are then
    // as
    // long as they get (a real clock's drop trailing zeros), so two measurements of one resource
    // agree, and the applier's own plan measures no more than this one.
    Planner planner =
        new Planner(
            Clock.fixed(Instant.parse("2026-12-07T12:34:56.123456789Z"), ZoneOffset.UTC),
            () -> UUID.randomUUID().toString(),
            Planner.DEFAULT_HISTORY,
            EtcdLimits.defaults());
    int low = 0;
    int high = (int) bytes;
    while (low < high) {
      int mid = (low + high + 1) / 2;
      if (measure(planner, sized(ns, name, mid, "a.example.com")) <= bytes) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    Resource resource = sized(ns, name, low, "a.example.com");
    assertThat(measure(planner, resource)).isBetween(bytes - 64, bytes);
    return resource;
  }

  private static long measure(Planner planner, Resource resource) {
    DecodedEvent event =
        new DecodedEvent.Applied(
            new DecodedEvent.Meta(
                "m-" + java.util.UUID.randomUUID(), "meshgate-test", OptionalLong.empty()),
            resource);
    return planner
        .plan(
            event,
            Map.of(resource.key(), Current.absent(resource.key())),
            new PartitionOffset("config-00000000", 0, AppliedOffset.LARGEST, 100))
        .cost()
        .bytes();
  }

  private static ConsumerRecord<String, byte[]> rejectedCopy(ApplierFixture fixture, String id) {
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerConfig("read-" + java.util.UUID.randomUUID()))) {
      consumer.subscribe(List.of(fixture.rejectedTopic));
      List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
      return await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream()
                    .filter(
                        r ->
                            id.equals(
                                new String(
                                    r.headers().lastHeader("ce_id").value(),
                                    StandardCharsets.UTF_8)))
                    .findFirst()
                    .orElse(null);
              },
              r -> r != null);
    }
  }
}
