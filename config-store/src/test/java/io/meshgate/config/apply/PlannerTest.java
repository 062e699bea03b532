package io.meshgate.config.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.ApplierStatus;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.StoredValues;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The exactly-once rules, on an in-memory etcd: plans are applied to a map the way the applier's
 * transaction applies them, with a revision counter standing in for etcd's.
 */
class PlannerTest {
  private static final ResourceKey KEY = new ResourceKey(Kind.BACKEND, "shop", "api");

  private final AtomicInteger uids = new AtomicInteger();
  private final Planner planner =
      new Planner(
          Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC),
          () -> "uid-" + uids.incrementAndGet());
  private final MemoryEtcd etcd = new MemoryEtcd();

  private static Resource backend(String hostname, Map<String, String> labels) {
    return Resource.of(
        Kind.BACKEND,
        new ObjectMeta("api", "shop", labels, null, null, null, null, null),
        new BackendSpec(null, null, null, null, new DnsSource(hostname, 443), null, null));
  }

  private static DecodedEvent.Meta meta(String id) {
    return new DecodedEvent.Meta(id, "test", OptionalLong.empty());
  }

  private Plan apply(DecodedEvent event) {
    return etcd.apply(planner, event);
  }

  private Current read(ResourceKey key) {
    return etcd.read(key);
  }

  @Test
  void aNewResourceGetsAUidAndGenerationOne() {
    apply(new DecodedEvent.Applied(meta("e1"), backend("a.example.com", Map.of())));

    Current stored = read(KEY);
    assertThat(stored.resource().metadata().uid()).isEqualTo("uid-1");
    assertThat(stored.resource().metadata().generation()).isEqualTo(1);
    assertThat(stored.status().condition("Accepted").orElseThrow().status())
        .isEqualTo(ConditionStatus.TRUE);
    assertThat(stored.status().lastEvent().orElseThrow().outcome()).isEqualTo(Outcome.ACCEPTED);
  }

  @Test
  void theGenerationGrowsOnlyWhenTheSpecChanges() {
    apply(new DecodedEvent.Applied(meta("e1"), backend("a.example.com", Map.of())));
    long firstRevision = read(KEY).resourceModRevision();

    apply(new DecodedEvent.Applied(meta("e2"), backend("a.example.com", Map.of())));
    assertThat(read(KEY).resource().metadata().generation()).isEqualTo(1);
    assertThat(read(KEY).resourceModRevision())
        .as("identical: not rewritten")
        .isEqualTo(firstRevision);

    apply(new DecodedEvent.Applied(meta("e3"), backend("a.example.com", Map.of("team", "x"))));
    assertThat(read(KEY).resource().metadata().generation()).isEqualTo(1);
    assertThat(read(KEY).resource().metadata().labels()).containsEntry("team", "x");

    apply(new DecodedEvent.Applied(meta("e4"), backend("b.example.com", Map.of("team", "x"))));
    assertThat(read(KEY).resource().metadata().generation()).isEqualTo(2);
    assertThat(read(KEY).resource().metadata().uid()).isEqualTo("uid-1");
    assertThat(read(KEY).status().events())
        .extracting(e -> e.id())
        .containsExactly("e1", "e2", "e3", "e4");
  }

  @Test
  void theCreationTimestampIsWrittenOnCreationAndKeptOnUpdates() {
    Resource sent =
        backend("a.example.com", Map.of())
            .withMetadata(
                new ObjectMeta(
                    "api", "shop", null, null, null, null, "1999-01-01T00:00:00Z", null));
    apply(new DecodedEvent.Applied(meta("e1"), sent));
    assertThat(read(KEY).resource().metadata().creationTimestamp())
        .as("a value sent is replaced")
        .isEqualTo("2026-11-26T10:00:00Z");

    Planner later =
        new Planner(
            Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC),
            () -> "uid-" + uids.incrementAndGet());
    ResourceKey key = KEY;
    Map<ResourceKey, Current> current = Map.of(key, read(key));
    Plan plan =
        later.plan(
            new DecodedEvent.Applied(meta("e2"), backend("b.example.com", Map.of())),
            current,
            etcd.next("t"));
    Plan.Put put =
        plan.writes().stream()
            .filter(w -> w.key().equals(Keyspace.resource(key)))
            .map(Plan.Put.class::cast)
            .findFirst()
            .orElseThrow();
    Resource updated = StoredValues.resource(put.value(), 9);
    assertThat(updated.metadata().generation()).isEqualTo(2);
    assertThat(updated.metadata().creationTimestamp()).isEqualTo("2026-11-26T10:00:00Z");
  }

  private List<String> historyKeys() {
    return etcd.keysUnder(Keyspace.ROOT + "history/");
  }

  @Test
  void historyKeepsTheLastGenerationsOfTheCurrentLifeOnly() {
    Planner limited =
        new Planner(
            Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC),
            () -> "uid-" + uids.incrementAndGet(),
            3,
            EtcdLimits.defaults());
    Consumer<DecodedEvent> apply = event -> etcd.apply(limited, event);

    // five spec changes and a label-only change: generations 1..5, the last 3 kept
    for (int i = 1; i <= 5; i++) {
      apply.accept(new DecodedEvent.Applied(meta("e" + i), backend(i + ".example.com", Map.of())));
    }
    apply.accept(
        new DecodedEvent.Applied(meta("labels"), backend("5.example.com", Map.of("team", "x"))));
    assertThat(historyKeys())
        .hasSize(3)
        .allMatch(k -> k.contains("/backend/shop/api/uid-1/"))
        .last()
        .satisfies(k -> assertThat(k).endsWith(String.format("%020d", 5)));
    var entry = StoredValues.history(etcd.get(historyKeys().get(0)));
    assertThat(entry.generation()).isEqualTo(3);
    assertThat(entry.eventId()).isEqualTo("e3");
    assertThat(entry.source()).isEqualTo("test");
    assertThat(entry.resource().spec()).isEqualTo(backend("3.example.com", Map.of()).spec());

    // a delete ends the life and its history; a re-created resource starts over at 1
    apply.accept(new DecodedEvent.Deleted(meta("d"), KEY));
    assertThat(historyKeys()).isEmpty();
    apply.accept(new DecodedEvent.Applied(meta("again"), backend("a.example.com", Map.of())));
    assertThat(historyKeys()).singleElement().satisfies(k -> assertThat(k).contains("/uid-2/"));
  }

  @Test
  void aRejectedEventWritesNoHistory() {
    apply(new DecodedEvent.Applied(meta("e1"), backend("a.example.com", Map.of())));
    apply(
        new DecodedEvent.Applied(
            new DecodedEvent.Meta("e2", "test", OptionalLong.of(999)),
            backend("b.example.com", Map.of())));

    assertThat(historyKeys()).hasSize(1);
  }

  @Test
  void anEventIdAlreadyRecordedIsANoOp() {
    apply(new DecodedEvent.Applied(meta("e1"), backend("a.example.com", Map.of())));

    Plan again =
        apply(new DecodedEvent.Applied(meta("e1"), backend("changed.example.com", Map.of())));

    assertThat(again.duplicate()).isTrue();
    assertThat(read(KEY).resource().spec(BackendSpec.class).dns().hostname())
        .isEqualTo("a.example.com");
    assertThat(read(KEY).status().events()).hasSize(1);
  }

  @Test
  void aStaleIfRevisionIsRejectedAndLeavesTheStoredResource() {
    apply(new DecodedEvent.Applied(meta("e1"), backend("a.example.com", Map.of())));
    long revisionNow = read(KEY).resourceModRevision();

    Plan stale =
        apply(
            new DecodedEvent.Applied(
                new DecodedEvent.Meta("e2", "test", OptionalLong.of(revisionNow - 1)),
                backend("b.example.com", Map.of())));

    assertThat(stale.rejected()).isTrue();
    assertThat(read(KEY).resource().spec(BackendSpec.class).dns().hostname())
        .isEqualTo("a.example.com");
    assertThat(read(KEY).status().lastEvent().orElseThrow().reasons().get(0).message())
        .startsWith("stale: expected resourceVersion " + (revisionNow - 1));

    Plan fresh =
        apply(
            new DecodedEvent.Applied(
                new DecodedEvent.Meta("e3", "test", OptionalLong.of(revisionNow)),
                backend("b.example.com", Map.of())));
    assertThat(fresh.rejected()).isFalse();
    assertThat(read(KEY).resource().metadata().generation()).isEqualTo(2);
  }

  @Test
  void ifRevisionZeroMeansOnlyIfAbsent() {
    Plan created =
        apply(
            new DecodedEvent.Applied(
                new DecodedEvent.Meta("e1", "t", OptionalLong.of(0)),
                backend("a.example.com", Map.of())));
    Plan again =
        apply(
            new DecodedEvent.Applied(
                new DecodedEvent.Meta("e2", "t", OptionalLong.of(0)),
                backend("b.example.com", Map.of())));

    assertThat(created.rejected()).isFalse();
    assertThat(again.rejected()).isTrue();
  }

  @Test
  void aDeleteKeepsTheStatusAndARecreatedResourceStartsANewLife() {
    apply(new DecodedEvent.Applied(meta("e1"), backend("a.example.com", Map.of())));
    apply(new DecodedEvent.Applied(meta("e2"), backend("b.example.com", Map.of())));

    apply(new DecodedEvent.Deleted(meta("e3"), KEY));
    assertThat(read(KEY).resource()).isNull();
    ApplierStatus afterDelete = read(KEY).status();
    assertThat(afterDelete.lastEvent().orElseThrow().outcome()).isEqualTo(Outcome.DELETED);
    assertThat(afterDelete.lastEvent().orElseThrow().generation()).isEqualTo(2);
    assertThat(afterDelete.generation()).isNull();

    apply(new DecodedEvent.Applied(meta("e4"), backend("c.example.com", Map.of())));
    assertThat(read(KEY).resource().metadata().uid()).isEqualTo("uid-2");
    assertThat(read(KEY).resource().metadata().generation()).isEqualTo(1);
  }

  @Test
  void aRejectionOfANewResourceRecordsAcceptedFalse() {
    apply(new DecodedEvent.Rejected(meta("e1"), List.of(KEY), List.of(new Reason("/spec", "bad"))));

    assertThat(read(KEY).resource()).isNull();
    assertThat(read(KEY).status().condition("Accepted").orElseThrow().status())
        .isEqualTo(ConditionStatus.FALSE);
    assertThat(read(KEY).status().lastEvent().orElseThrow().reasons())
        .containsExactly(new Reason("/spec", "bad"));
  }

  @Test
  void aChangesetAppliesEveryItemUnderOneEventId() {
    Resource other =
        Resource.of(
            Kind.BACKEND,
            ObjectMeta.of("shop", "other"),
            new BackendSpec(
                null, null, null, null, new DnsSource("o.example.com", 80), null, null));
    apply(new DecodedEvent.Applied(meta("e0"), other));

    Plan plan =
        apply(
            new DecodedEvent.Changeset(
                meta("cs1"), List.of(backend("a.example.com", Map.of())), List.of(other.key())));

    assertThat(plan.outcomes()).containsOnlyKeys(KEY, other.key());
    assertThat(read(KEY).status().lastEvent().orElseThrow().id()).isEqualTo("cs1");
    assertThat(read(other.key()).resource()).isNull();
    assertThat(
            apply(
                    new DecodedEvent.Changeset(
                        meta("cs1"), List.of(backend("z.example.com", Map.of())), List.of()))
                .duplicate())
        .isTrue();
  }

  @Test
  void aStatusKeepsTheLast32Events() {
    for (int i = 0; i < 40; i++) {
      apply(new DecodedEvent.Applied(meta("e" + i), backend("h" + i + ".example.com", Map.of())));
    }

    ApplierStatus status = read(KEY).status();
    assertThat(status.events()).hasSize(ApplierStatus.MAX_EVENTS);
    assertThat(status.events().get(0).id()).isEqualTo("e8");
    assertThat(status.generation()).isEqualTo(40);
  }
}
