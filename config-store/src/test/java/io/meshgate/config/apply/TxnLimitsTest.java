package io.meshgate.config.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.EventRecord;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Outcome;
import io.meshgate.config.model.Reason;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.Keyspace;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Every plan fits etcd's limits: an event whose transaction would not is planned as a rejection
 * that names the numbers, and the next event of the partition applies right after.
 */
class TxnLimitsTest {
  private static final String NS = "shop";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-06T10:00:00Z"), ZoneOffset.UTC);

  private final MemoryEtcd etcd = new MemoryEtcd();
  private final Planner planner = planner(EtcdLimits.defaults());

  private static Planner planner(EtcdLimits limits) {
    return new Planner(CLOCK, () -> UUID.randomUUID().toString(), Planner.DEFAULT_HISTORY, limits);
  }

  private static Resource backend(String name, String hostname) {
    return Resource.of(
        Kind.BACKEND,
        ObjectMeta.of(NS, name),
        new BackendSpec(null, null, null, null, new DnsSource(hostname, 443), null, null));
  }

  private static Resource big(String name, int bytes) {
    return big(name, bytes, "big.example.com");
  }

  private static Resource big(String name, int bytes, String hostname) {
    Resource r = backend(name, hostname);
    return r.withMetadata(
        new ObjectMeta(
            name, NS, null, Map.of("example.com/blob", "x".repeat(bytes)), null, null, null, null));
  }

  private static DecodedEvent.Meta meta(String id) {
    return new DecodedEvent.Meta(id, "test", OptionalLong.empty());
  }

  private static ResourceKey key(int i) {
    return new ResourceKey(Kind.BACKEND, NS, "b" + i);
  }

  /** {@code count} Backends, each updated until it has {@code generations} generations. */
  private void backendsWithHistory(int count, int generations) {
    for (int i = 0; i < count; i++) {
      for (int g = 1; g <= generations; g++) {
        etcd.apply(
            planner,
            new DecodedEvent.Applied(
                meta("b" + i + "-" + g), backend("b" + i, g + ".example.com")));
      }
    }
  }

  private static DecodedEvent.Changeset changeset(String id, int count, String hostname) {
    List<Resource> resources = new ArrayList<>();
    IntStream.range(0, count).forEach(i -> resources.add(backend("b" + i, hostname)));
    return new DecodedEvent.Changeset(meta(id), resources, List.of());
  }

  private EventRecord lastEvent(ResourceKey key) {
    return etcd.read(key).status().lastEvent().orElseThrow();
  }

  @Test
  void aChangesetOf40ResourcesWithFullHistoriesIsRejectedWithTheNumbers() {
    // given: 40 Backends with 10 generations each: updating one writes resource, status, a
    // history entry and a prune
    backendsWithHistory(40, 10);

    // when
    Plan plan = etcd.apply(planner, changeset("cs", 40, "new.example.com"));

    // then: rejected before sending, with the numbers, and nothing of it applied
    assertThat(plan.rejected()).isTrue();
    assertThat(plan.cost().fits(EtcdLimits.defaults())).isTrue();
    assertThat(lastEvent(key(0)).outcome()).isEqualTo(Outcome.REJECTED);
    assertThat(lastEvent(key(0)).reasons())
        .singleElement()
        .extracting(Reason::message)
        .isEqualTo(
            "this changeset of 40 resources and 0 deletes needs 161 etcd operations and 81"
                + " comparisons in one transaction; etcd allows 128 of each"
                + " (MESHGATE_ETCD_MAX_TXN_OPS, etcd's --max-txn-ops): split it into smaller"
                + " changesets");
    for (int i = 0; i < 40; i++) {
      assertThat(etcd.read(key(i)).resource().spec(BackendSpec.class).dns().hostname())
          .isEqualTo("10.example.com");
      assertThat(etcd.read(key(i)).resource().metadata().generation()).isEqualTo(10);
    }
    // and the next event of the namespace applies right after
    Plan next = etcd.apply(planner, changeset("half", 20, "new.example.com"));
    assertThat(next.rejected()).isFalse();
    assertThat(etcd.read(key(19)).resource().metadata().generation()).isEqualTo(11);
  }

  @Test
  void theSameChangesetOfNewResourcesFits() {
    // 40 × (resource, status, first history entry) + the offset = 121 operations
    Plan plan = etcd.apply(planner, changeset("cs", 40, "new.example.com"));

    assertThat(plan.rejected()).isFalse();
    assertThat(plan.cost().operations()).isEqualTo(121);
    assertThat(etcd.read(key(39)).resource().metadata().generation()).isEqualTo(1);
  }

  @Test
  void deletesOfResourcesWithFullHistoriesTakeOneOperationPerHistory() {
    backendsWithHistory(40, 12);
    List<ResourceKey> keys = IntStream.range(0, 40).mapToObj(TxnLimitsTest::key).toList();

    Plan plan = etcd.apply(planner, new DecodedEvent.Changeset(meta("rm"), List.of(), keys));

    // 40 × (resource, status, one range over the life's history) + the offset
    assertThat(plan.rejected()).isFalse();
    assertThat(plan.cost().operations()).isEqualTo(121);
    assertThat(etcd.keysUnder(Keyspace.ROOT + "history/")).isEmpty();
    assertThat(lastEvent(key(7)).outcome()).isEqualTo(Outcome.DELETED);
  }

  @Test
  void aResourceAtTheSizeLimitWithItsHistoryFits() {
    for (int g = 1; g <= 12; g++) {
      Resource r =
          big(
              "large",
              io.meshgate.config.validate.ResourceValidator.MAX_RESOURCE_BYTES - 1024,
              g + ".example.com");
      Plan plan = etcd.apply(planner, new DecodedEvent.Applied(meta("g" + g), r));
      assertThat(plan.rejected()).as("generation %d", g).isFalse();
    }
    assertThat(
            etcd.read(new ResourceKey(Kind.BACKEND, NS, "large"))
                .resource()
                .metadata()
                .generation())
        .isEqualTo(12);
    assertThat(etcd.keysUnder(Keyspace.ROOT + "history/")).hasSize(10);
  }

  @Test
  void aChangesetOf1MiBIsRejectedForItsBytes() {
    // three resources of 330 KiB: 1 MiB on Kafka, about twice that in etcd with their history
    List<Resource> resources =
        List.of(big("x1", 330 * 1024), big("x2", 330 * 1024), big("x3", 330 * 1024));

    Plan plan =
        etcd.apply(planner, new DecodedEvent.Changeset(meta("large"), resources, List.of()));

    assertThat(plan.rejected()).isTrue();
    assertThat(lastEvent(resources.get(0).key()).reasons())
        .singleElement()
        .extracting(Reason::message)
        .asString()
        .startsWith("this changeset of 3 resources and 0 deletes needs an etcd transaction of 1.9")
        .contains("etcd allows 1.50 MiB (1571840 bytes)")
        .contains("MESHGATE_ETCD_MAX_REQUEST_BYTES");
    assertThat(etcd.read(resources.get(0).key()).resource()).isNull();
  }

  @Test
  void aRejectionWhoseStatusesDoNotFitIsRecordedOnAsManyAsFit() {
    // given: etcd allows 16 operations and comparisons; 10 resources need 21 comparisons even to
    // record a rejection on each
    Planner small = planner(new EtcdLimits(16, EtcdLimits.DEFAULT_MAX_REQUEST_BYTES));

    Plan plan = etcd.apply(small, changeset("cs", 10, "a.example.com"));

    assertThat(plan.rejected()).isTrue();
    assertThat(plan.cost().fits(small.limits())).isTrue();
    assertThat(plan.outcomes()).hasSize(7);
    assertThat(lastEvent(key(0)).reasons())
        .extracting(Reason::message)
        .containsExactly(
            "this changeset of 10 resources and 0 deletes needs 31 etcd operations and 21"
                + " comparisons in one transaction; etcd allows 16 of each"
                + " (MESHGATE_ETCD_MAX_TXN_OPS, etcd's --max-txn-ops): split it into smaller"
                + " changesets",
            "recorded on the status of 7 of its 10 resources: the statuses of all of them exceed"
                + " etcd's limits too");
    assertThat(etcd.read(key(9)).status()).isNull();
  }

  @Test
  void everyPlanFitsWhateverTheEvents() {
    // Random events near the limits, on small limits, over seeded runs: no plan ever exceeds them,
    // and every event ends with an outcome or as a duplicate.
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    Planner small = planner(new EtcdLimits(24, 256 * 1024));
    for (int step = 0; step < 300; step++) {
      DecodedEvent event;
      int kind = random.nextInt(3);
      if (kind == 0) {
        event =
            new DecodedEvent.Applied(
                meta("e" + step), big("b" + random.nextInt(12), random.nextInt(90 * 1024)));
      } else if (kind == 1) {
        List<Resource> items = new ArrayList<>();
        int n = 1 + random.nextInt(12);
        for (int i = 0; i < n; i++) {
          items.add(backend("b" + i, step + ".example.com"));
        }
        event = new DecodedEvent.Changeset(meta("e" + step), items, List.of());
      } else {
        event =
            new DecodedEvent.Changeset(
                meta("e" + step),
                List.of(),
                IntStream.range(0, 1 + random.nextInt(12)).mapToObj(TxnLimitsTest::key).toList());
      }
      Plan plan = etcd.apply(small, event);
      assertThat(plan.cost().fits(small.limits()))
          .as("seed %d step %d: %s", seed, step, plan.cost())
          .isTrue();
      assertThat(plan.outcomes()).as("seed %d step %d", seed, step).isNotEmpty();
    }
  }
}
