package io.meshgate.config.apply;

import static io.meshgate.config.apply.ApplierFixture.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.AppliedOffset;
import io.meshgate.config.store.Keyspace;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The applier against a real Kafka broker and a real etcd: every event applied exactly once. */
class ApplierIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private ApplierFixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new ApplierFixture(kafka, etcd.client());
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private ApplierStatus statusOnceRecorded(ResourceKey key, String eventId) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> fixture.reader.status(key).filter(s -> s.hasEvent(eventId)).orElse(null),
            s -> s != null);
  }

  @Test
  void theStoredOffsetCarriesTheRecordsTimestampAndAValidTraceContextOnly() throws Exception {
    // given
    fixture.start("a");
    Resource traced = backend(fixture.ns, "traced", "traced.example.com");
    Resource forged = backend(fixture.ns, "forged", "forged.example.com");
    String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    // when: one record with a W3C trace context, one with a malformed one
    ConfigEvent first = fixture.encoder.applied(traced, OptionalLong.empty());
    Map<String, String> firstHeaders = new LinkedHashMap<>(first.headers());
    firstHeaders.put(AppliedOffset.TRACEPARENT_HEADER, traceparent);
    RecordMetadata sent = fixture.send(first.key(), firstHeaders, first.value());
    statusOnceRecorded(traced.key(), first.id());
    AppliedOffset afterFirst = storedOffset(sent.partition());

    ConfigEvent second = fixture.encoder.applied(forged, OptionalLong.empty());
    Map<String, String> secondHeaders = new LinkedHashMap<>(second.headers());
    secondHeaders.put(AppliedOffset.TRACEPARENT_HEADER, "00-" + "x".repeat(900));
    RecordMetadata sentSecond = fixture.send(second.key(), secondHeaders, second.value());
    statusOnceRecorded(forged.key(), second.id());
    AppliedOffset afterSecond = storedOffset(sentSecond.partition());

    // then
    assertThat(afterFirst)
        .isEqualTo(new AppliedOffset(sent.offset(), sent.timestamp(), Optional.of(traceparent)));
    assertThat(afterSecond)
        .isEqualTo(
            new AppliedOffset(sentSecond.offset(), sentSecond.timestamp(), Optional.empty()));
    assertThat(fixture.reader.appliedOffset(fixture.topic, sentSecond.partition()))
        .isEqualTo(sentSecond.offset());
  }

  @Test
  void theStoredTraceContextIsTheOneTheHookGivesAskedOnceForTheRecord() throws Exception {
    // given: a tracer's hook, which would start its apply span as a child of the header's context
    String header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String applySpan = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01";
    List<String> asked = new CopyOnWriteArrayList<>();
    fixture.start(
        "a",
        new Applier.Hooks() {
          @Override
          public Optional<String> traceparent(IncomingRecord record) {
            asked.add(record.headers().get(AppliedOffset.TRACEPARENT_HEADER));
            return Optional.of(applySpan);
          }
        });
    Resource traced = backend(fixture.ns, "traced", "traced.example.com");

    // when
    ConfigEvent event = fixture.encoder.applied(traced, OptionalLong.empty());
    Map<String, String> headers = new LinkedHashMap<>(event.headers());
    headers.put(AppliedOffset.TRACEPARENT_HEADER, header);
    RecordMetadata sent = fixture.send(event.key(), headers, event.value());
    statusOnceRecorded(traced.key(), event.id());

    // then: the hook's context is stored, not the header's
    assertThat(storedOffset(sent.partition()).traceparent()).contains(applySpan);
    assertThat(asked).containsExactly(header);
  }

  private AppliedOffset storedOffset(int partition) throws Exception {
    return AppliedOffset.parse(
        fixture
            .etcd
            .getKVClient()
            .get(
                ByteSequence.from(
                    Keyspace.offset(fixture.topic, partition), StandardCharsets.UTF_8))
            .get(10, TimeUnit.SECONDS)
            .getKvs()
            .get(0)
            .getValue()
            .getBytes());
  }

  @Test
  void theHooksHearEachRecordsOutcomeItsTimingsAndTheLag() {
    // given an applier whose hooks record what they hear
    List<AppliedEvent> heard = new CopyOnWriteArrayList<>();
    Map<Integer, Long> lag = new ConcurrentHashMap<>();
    fixture.start(
        "a",
        new Applier.Hooks() {
          @Override
          public void applied(AppliedEvent event) {
            heard.add(event);
          }

          @Override
          public void lag(String topic, int partition, long records) {
            lag.put(partition, records);
          }
        });
    Resource api = backend(fixture.ns, "api", "api.example.com");

    // when one event is published, then the same event again
    ConfigEvent event = fixture.publish(fixture.encoder.applied(api, OptionalLong.empty()));
    fixture.publish(event);

    // then the first is accepted and the second a duplicate, each timed, and the lag is known
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(heard)
                    .extracting(AppliedEvent::result)
                    .containsExactly(AppliedEvent.Result.ACCEPTED, AppliedEvent.Result.DUPLICATE));
    assertThat(heard)
        .allSatisfy(
            e -> {
              assertThat(e.topic()).isEqualTo(fixture.topic);
              assertThat(e.recordTimestamp()).isPositive();
              assertThat(e.transaction()).isPositive();
              assertThat(e.apply()).isGreaterThanOrEqualTo(e.transaction());
            });
    await().atMost(Duration.ofSeconds(30)).until(() -> lag.values().stream().anyMatch(l -> l == 0));
  }

  @Test
  void aPublishedResourceIsStoredAndAccepted() {
    // given
    fixture.start("a");
    Resource api = backend(fixture.ns, "api", "api.example.com");

    // when
    ConfigEvent event = fixture.publish(fixture.encoder.applied(api, OptionalLong.empty()));

    // then
    ApplierStatus status = statusOnceRecorded(api.key(), event.id());
    assertThat(status.event(event.id()).orElseThrow().outcome()).isEqualTo(Outcome.ACCEPTED);
    assertThat(status.condition("Accepted").orElseThrow().status()).isEqualTo(ConditionStatus.TRUE);
    Resource stored = fixture.reader.resource(api.key()).orElseThrow();
    assertThat(stored.spec()).isEqualTo(api.spec());
    assertThat(stored.metadata().generation()).isEqualTo(1);
    assertThat(stored.metadata().resourceVersion()).isPositive();
  }

  @Test
  void redeliveredAndReplayedRecordsChangeNothing() {
    // given: three events applied
    fixture.start("a");
    List<ConfigEvent> events = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      events.add(
          fixture.publish(
              fixture.encoder.applied(
                  backend(fixture.ns, "r" + i, "h" + i + ".example.com"), OptionalLong.empty())));
    }
    for (int i = 0; i < 3; i++) {
      statusOnceRecorded(new ResourceKey(Kind.BACKEND, fixture.ns, "r" + i), events.get(i).id());
    }
    Map<ResourceKey, Long> versions = versions(3);

    // when: the topic is read again from offset 0 and every record redelivered ...
    AtomicInteger skipped = new AtomicInteger();
    RecordApplier replayer =
        new RecordApplier(
            new AppliedLog(fixture.etcd, Duration.ofSeconds(5), EtcdLimits.defaults()),
            new Planner(Clock.systemUTC(), () -> "never-used"),
            new Applier.Hooks() {
              @Override
              public void skipped(IncomingRecord record) {
                skipped.incrementAndGet();
              }
            },
            (record, reasons) -> {
              throw new AssertionError("nothing is rejected on replay");
            });
    for (ConsumerRecord<String, byte[]> record : readFromStart(3)) {
      replayer.apply(ApplierFixture.incoming(record));
    }
    assertThat(skipped).hasValue(3);
    // ... and the same records (same ce_id) are produced again
    for (ConfigEvent event : events) {
      fixture.publish(event);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> totalAppliedOffsets() >= 5);

    // then: nothing changed
    assertThat(versions(3)).isEqualTo(versions);
    for (int i = 0; i < 3; i++) {
      ApplierStatus status =
          fixture.reader.status(new ResourceKey(Kind.BACKEND, fixture.ns, "r" + i)).orElseThrow();
      assertThat(status.events()).extracting(EventRecord::id).containsExactly(events.get(i).id());
    }
  }

  @Test
  void aCrashBetweenTheEtcdTransactionAndTheKafkaCommitAppliesOnce() {
    // given: an applier that dies right after its second transaction, before any Kafka commit
    AtomicInteger transactions = new AtomicInteger();
    Applier crashing =
        fixture.start(
            "crashing",
            new Applier.Hooks() {
              @Override
              public void afterTransaction(IncomingRecord record) {
                if (transactions.incrementAndGet() == 2) {
                  throw new SimulatedCrash();
                }
              }
            });
    List<ConfigEvent> events = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      events.add(
          fixture.publish(
              fixture.encoder.applied(
                  backend(fixture.ns, "api", "v" + i + ".example.com"), OptionalLong.empty())));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> crashing.failure() instanceof SimulatedCrash);
    crashing.close();

    // when: a new applier takes over
    fixture.start("successor");

    // then: all four applied, each once, in order
    ResourceKey key = new ResourceKey(Kind.BACKEND, fixture.ns, "api");
    ApplierStatus status = statusOnceRecorded(key, events.get(3).id());
    assertThat(status.events())
        .extracting(EventRecord::id)
        .containsExactlyElementsOf(events.stream().map(ConfigEvent::id).toList());
    assertThat(fixture.reader.resource(key).orElseThrow().metadata().generation()).isEqualTo(4);
    assertThat(fixture.reader.resource(key).orElseThrow().spec(BackendSpec.class).dns().hostname())
        .isEqualTo("v4.example.com");
  }

  @Test
  void twoAppliersRebalancingMidStreamApplyEveryEventOnceInOrder() {
    // given: one applier, then a second joins, then the first leaves, while 6 namespaces get 15
    // updates each
    int namespaces = 6;
    int updates = 15;
    Applier first = fixture.start("first");
    Map<String, List<String>> ids = new HashMap<>();
    for (int u = 1; u <= updates; u++) {
      if (u == 5) {
        fixture.start("second");
      }
      if (u == 10) {
        first.close();
      }
      for (int n = 0; n < namespaces; n++) {
        String ns = fixture.ns + "-" + n;
        ConfigEvent event =
            fixture.publish(
                fixture.encoder.applied(
                    backend(ns, "api", "u" + u + ".example.com"), OptionalLong.empty()));
        ids.computeIfAbsent(ns, k -> new ArrayList<>()).add(event.id());
      }
    }

    // then: every namespace's resource went through every update exactly once, in publish order
    for (int n = 0; n < namespaces; n++) {
      String ns = fixture.ns + "-" + n;
      ResourceKey key = new ResourceKey(Kind.BACKEND, ns, "api");
      ApplierStatus status = statusOnceRecorded(key, ids.get(ns).get(updates - 1));
      assertThat(status.events())
          .extracting(EventRecord::id)
          .as(ns)
          .containsExactlyElementsOf(ids.get(ns));
      assertThat(fixture.reader.resource(key).orElseThrow().metadata().generation())
          .isEqualTo(updates);
    }
  }

  @Test
  void badInputIsRejectedWithReasonsCopiedAsideAndLaterEventsStillApply() {
    // given: a stored resource
    fixture.start("a");
    Resource api = backend(fixture.ns, "api", "good.example.com");
    ConfigEvent good = fixture.publish(fixture.encoder.applied(api, OptionalLong.empty()));
    statusOnceRecorded(api.key(), good.id());
    long storedVersion =
        fixture.reader.resource(api.key()).orElseThrow().metadata().resourceVersion();
    ConfigEvent template = fixture.encoder.applied(api, OptionalLong.empty());

    // when: one of each kind of bad input, then a good update
    List<String> badIds = new ArrayList<>();
    badIds.add(
        sendVariant(
            template,
            template
                .valueText()
                .replace("{\"apiVersion\"", "{garbage")
                .getBytes(StandardCharsets.UTF_8),
            Map.of()));
    badIds.add(
        sendVariant(
            template,
            template
                .valueText()
                .replace("\"Backend\"", "\"Frobnicator\"")
                .getBytes(StandardCharsets.UTF_8),
            Map.of()));
    badIds.add(
        sendVariant(
            template,
            template
                .valueText()
                .replace("\"port\":443", "\"port\":99999")
                .getBytes(StandardCharsets.UTF_8),
            Map.of()));
    String huge =
        template
            .valueText()
            .replace(
                "\"metadata\":{",
                "\"metadata\":{\"annotations\":{\"example.com/x\":\""
                    + "y".repeat(600 * 1024)
                    + "\"},");
    badIds.add(sendVariant(template, huge.getBytes(StandardCharsets.UTF_8), Map.of()));
    badIds.add(
        sendVariant(
            template,
            fixture
                .encoder
                .applied(backend(fixture.ns, "api", "stale.example.com"), OptionalLong.empty())
                .value(),
            Map.of("ce_ifrevision", Long.toString(storedVersion - 1))));
    ConfigEvent later =
        fixture.publish(
            fixture.encoder.applied(
                backend(fixture.ns, "api", "later.example.com"), OptionalLong.empty()));

    // then
    ApplierStatus status = statusOnceRecorded(api.key(), later.id());
    List<String> messages = new ArrayList<>();
    for (String id : badIds) {
      EventRecord record =
          status.event(id).orElseThrow(() -> new AssertionError("no outcome for " + id));
      assertThat(record.outcome()).isEqualTo(Outcome.REJECTED);
      messages.add(record.reasons().get(0).message());
    }
    assertThat(messages.get(0)).startsWith("not valid JSON");
    assertThat(messages.get(1)).startsWith("unknown kind");
    assertThat(messages.get(2)).isEqualTo("must be at most 65535 (value: 99999)");
    assertThat(messages.get(3))
        .startsWith("resource is 600 KiB as JSON (expected at most 512 KiB)");
    assertThat(messages.get(4))
        .startsWith("stale: expected resourceVersion " + (storedVersion - 1));
    assertThat(status.event(later.id()).orElseThrow().outcome()).isEqualTo(Outcome.ACCEPTED);
    assertThat(
            fixture
                .reader
                .resource(api.key())
                .orElseThrow()
                .spec(BackendSpec.class)
                .dns()
                .hostname())
        .isEqualTo("later.example.com");
    assertThat(fixture.reader.resource(api.key()).orElseThrow().metadata().generation())
        .isEqualTo(2);
    assertThat(rejectedCopies(5))
        .extracting(r -> header(r, "ce_id"))
        .containsExactlyInAnyOrderElementsOf(badIds);
  }

  @Test
  void aRejectedUpdateLeavesTheStoredResourceUntouched() {
    fixture.start("a");
    Resource api = backend(fixture.ns, "api", "kept.example.com");
    ConfigEvent good = fixture.publish(fixture.encoder.applied(api, OptionalLong.empty()));
    statusOnceRecorded(api.key(), good.id());
    Resource before = fixture.reader.resource(api.key()).orElseThrow();

    String bad =
        sendVariant(
            good,
            good.valueText()
                .replace("kept.example.com", "NOT A HOSTNAME")
                .getBytes(StandardCharsets.UTF_8),
            Map.of());

    ApplierStatus status = statusOnceRecorded(api.key(), bad);
    assertThat(status.event(bad).orElseThrow().outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(fixture.reader.resource(api.key())).contains(before);
  }

  @Test
  void aChangesetWithOneInvalidResourceAppliesNoneOfIt() {
    fixture.start("a");
    Resource a = backend(fixture.ns, "a", "a.example.com");
    Resource b = backend(fixture.ns, "b", "b.example.com");
    ConfigEvent changeset = fixture.encoder.changeset(fixture.ns, List.of(a, b), List.of());
    byte[] broken =
        changeset.valueText().replace("b.example.com", "B!").getBytes(StandardCharsets.UTF_8);

    fixture.send(changeset.key(), changeset.headers(), broken);

    ApplierStatus statusA = statusOnceRecorded(a.key(), changeset.id());
    assertThat(statusA.event(changeset.id()).orElseThrow().outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(
            statusOnceRecorded(b.key(), changeset.id())
                .event(changeset.id())
                .orElseThrow()
                .outcome())
        .isEqualTo(Outcome.REJECTED);
    assertThat(fixture.reader.resource(a.key())).isEmpty();
    assertThat(fixture.reader.resource(b.key())).isEmpty();

    ConfigEvent fixed =
        fixture.publish(fixture.encoder.changeset(fixture.ns, List.of(a, b), List.of()));
    statusOnceRecorded(b.key(), fixed.id());
    assertThat(fixture.reader.resource(a.key())).isPresent();
    assertThat(fixture.reader.resource(b.key())).isPresent();
  }

  /**
   * Sends the template's headers (with a fresh id and overrides) and another value; returns the id.
   */
  @Test
  void anUnsealedSecretIsRejectedAndCopiedWithoutItsPrivateValues() {
    // given: a Secret whose private key and password are in plain form
    fixture.start("a");
    String certificate = "bm90IGEgY2VydA==";
    String privateKey = "c2VjcmV0LWtleS1tYXRlcmlhbA==";
    String secret =
        "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"cert\",\"namespace\":\""
            + fixture.ns
            + "\"},\"type\":\"kubernetes.io/tls\",\"data\":{\"tls.crt\":\""
            + certificate
            + "\",\"tls.key\":\""
            + privateKey
            + "\"},\"stringData\":{\"password\":\"hunter2\"}}";
    ConfigEvent template =
        fixture.encoder.applied(
            backend(fixture.ns, "api", "api.example.com"), OptionalLong.empty());

    // when
    String id =
        sendVariant(
            template,
            secret.getBytes(StandardCharsets.UTF_8),
            Map.of("ce_subject", "Secret/" + fixture.ns + "/cert"));

    // then: rejected, and the copy holds the public certificate but neither private value
    ResourceKey key = new ResourceKey(Kind.SECRET, fixture.ns, "cert");
    assertThat(statusOnceRecorded(key, id).event(id).orElseThrow().outcome())
        .isEqualTo(Outcome.REJECTED);
    ConsumerRecord<String, byte[]> copy = rejectedCopies(1).get(0);
    String copied = new String(copy.value(), StandardCharsets.UTF_8);
    assertThat(copied).contains(certificate).doesNotContain(privateKey).doesNotContain("hunter2");
    assertThat(header(copy, "meshgate_removed")).isEqualTo("[\"/stringData\",\"/data/tls.key\"]");
  }

  private String sendVariant(ConfigEvent template, byte[] value, Map<String, String> overrides) {
    Map<String, String> headers = new LinkedHashMap<>(template.headers());
    String id = UUID.randomUUID().toString();
    headers.put("ce_id", id);
    headers.putAll(overrides);
    fixture.send(template.key(), headers, value);
    return id;
  }

  private Map<ResourceKey, Long> versions(int count) {
    Map<ResourceKey, Long> versions = new HashMap<>();
    for (int i = 0; i < count; i++) {
      ResourceKey key = new ResourceKey(Kind.BACKEND, fixture.ns, "r" + i);
      Resource resource = fixture.reader.resource(key).orElseThrow();
      versions.put(
          key, resource.metadata().resourceVersion() * 1000 + resource.metadata().generation());
    }
    return versions;
  }

  /** Sum over partitions of (stored offset + 1): how many records the appliers have taken. */
  private long totalAppliedOffsets() {
    long total = 0;
    for (int p = 0; p < Topics.PARTITIONS; p++) {
      total += fixture.reader.appliedOffset(fixture.topic, p) + 1;
    }
    return total;
  }

  private List<ConsumerRecord<String, byte[]>> readFromStart(int count) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerConfig("replay-" + fixture.topic))) {
      consumer.subscribe(List.of(fixture.topic));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
              });
    }
    return records;
  }

  private List<ConsumerRecord<String, byte[]>> rejectedCopies(int count) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerConfig("rejects-" + fixture.topic))) {
      consumer.subscribe(List.of(fixture.rejectedTopic));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
              });
    }
    records.forEach(r -> assertThat(header(r, "meshgate_reasons")).startsWith("[{"));
    return records;
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** Thrown by a hook to stop an applier's thread between its etcd transaction and Kafka commit. */
  static final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;
  }
}
