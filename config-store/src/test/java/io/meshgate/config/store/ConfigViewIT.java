package io.meshgate.config.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectMeta;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.embedded.EtcdMember;
import io.meshgate.testkit.EtcdCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

class ConfigViewIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(3);

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ByteSequence PREFIX = bytes(Keyspace.resourcesPrefix());

  /** Every snapshot the view delivered, in order, with the thread that delivered it. */
  private final List<ConfigSnapshot> delivered = new CopyOnWriteArrayList<>();

  private final Set<Thread> deliveringThreads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inListener = new AtomicInteger();
  private final AtomicInteger overlaps = new AtomicInteger();
  private final CapturedLogs logs = new CapturedLogs();
  private Client viewClient;
  private ConfigView view;

  @BeforeEach
  void startClean() throws Exception {
    kv().delete(PREFIX, DeleteOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
    logs.start();
    viewLogger().addAppender(logs);
  }

  @AfterEach
  void closeView() {
    if (view != null) {
      view.close();
    }
    if (viewClient != null) {
      viewClient.close();
    }
    viewLogger().detachAppender(logs);
    // Every test checks what the listener saw, whatever else it checks.
    assertThat(overlaps).as("listener calls that overlapped").hasValue(0);
    assertThat(deliveringThreads).as("threads that called the listener").hasSizeLessThan(2);
    assertThat(delivered)
        .extracting(ConfigSnapshot::revision)
        .as("delivered revisions")
        .isSortedAccordingTo(Comparator.naturalOrder())
        .doesNotHaveDuplicates();
  }

  @Test
  void theFirstSnapshotIsTheListOfWhatIsStored() throws Exception {
    // given
    Resource a = backend("shop", "a", 1);
    Resource b = backend("shop", "b", 1);
    long revisionOfA = put(a);
    long revisionOfB = put(b);

    // when
    view = open();
    ConfigSnapshot first = view.awaitRevision(1, WAIT);

    // then
    assertThat(first.revision()).isEqualTo(revisionOfB);
    assertThat(first.resources())
        .isEqualTo(Map.of(a.key(), stored(a, revisionOfA), b.key(), stored(b, revisionOfB)));
    assertThat(first.resources().keySet()).containsExactly(a.key(), b.key());
    assertThat(delivered).containsExactly(first);
    assertThat(view.current()).isEqualTo(first);
    assertThat(deliveringThreads).singleElement().asString().contains("meshgate-config-view");
  }

  @Test
  void putsAndDeletesArriveInSnapshotsOfGrowingRevision() throws Exception {
    // given: a view of an empty store
    view = open();
    History history = new History(view.awaitRevision(1, WAIT));

    // when
    Resource a = backend("shop", "a", 1);
    Resource b = backend("shop", "b", 1);
    Resource a2 = backend("shop", "a", 2);
    history.put(a, put(a));
    history.put(b, put(b));
    long revisionOfA2 = put(a2);
    history.put(a2, revisionOfA2);
    long last = delete(b.key());
    history.delete(b.key(), last);

    // then: the end state, with resourceVersion = mod revision
    ConfigSnapshot end = view.awaitRevision(last, WAIT);
    assertThat(end.revision()).isEqualTo(last);
    assertThat(end.resources()).containsExactlyEntriesOf(Map.of(a.key(), stored(a2, revisionOfA2)));
    assertThat(end.get(a.key()).orElseThrow().metadata().resourceVersion()).isEqualTo(revisionOfA2);
    // and every snapshot on the way is exactly the store at its revision
    history.assertMatches(delivered);
    assertThat(delivered.size()).isGreaterThan(1);
    // and nothing is delivered for a revision that has not happened
    assertThatThrownBy(() -> view.awaitRevision(last + 1_000, Duration.ofMillis(200)))
        .isInstanceOf(TimeoutException.class);
  }

  @Test
  void aBurstOfWritesEndsInTheStateAFreshListSees() throws Exception {
    // given
    view = open();
    History history = new History(view.awaitRevision(1, WAIT));

    // when: 200 writes in flight at once over 40 keys, every tenth a delete
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    Map<Long, Resource> puts = new ConcurrentHashMap<>();
    Map<Long, ResourceKey> deletes = new ConcurrentHashMap<>();
    for (int i = 0; i < 200; i++) {
      Resource resource = backend("burst", "b" + (i % 40), i + 1);
      if (i % 10 == 9) {
        writes.add(
            kv().delete(bytes(Keyspace.resource(resource.key())))
                .thenAccept(
                    r -> {
                      if (r.getDeleted() > 0) {
                        deletes.put(r.getHeader().getRevision(), resource.key());
                      }
                    }));
      } else {
        writes.add(
            kv().put(bytes(Keyspace.resource(resource.key())), value(resource))
                .thenAccept(r -> puts.put(r.getHeader().getRevision(), resource)));
      }
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    new TreeMap<>(puts).forEach((revision, resource) -> history.put(resource, revision));
    deletes.forEach((revision, key) -> history.delete(key, revision));

    // then
    FreshList fresh = freshList();
    ConfigSnapshot end = view.awaitRevision(fresh.revision(), WAIT);
    assertThat(end.resources()).isEqualTo(fresh.resources());
    assertThat(end.resources()).isEqualTo(history.at(end.revision()));
    history.assertMatches(delivered);
  }

  @Test
  void killingTheLeaderMidStreamLosesNothing() throws Exception {
    // given: a view whose watch is on the leader (pick_first takes the first endpoint)
    EtcdMember leader = etcd.leader();
    List<String> endpoints = new ArrayList<>(etcd.endpoints());
    endpoints.remove(leader.clientUrl().toString());
    endpoints.add(0, leader.clientUrl().toString());
    view =
        open(
            Client.builder()
                .endpoints(endpoints.toArray(String[]::new))
                .loadBalancerPolicy("pick_first")
                .build());
    view.awaitRevision(1, WAIT);
    try {
      // when: the leader is killed half-way through 100 writes
      for (int i = 0; i < 100; i++) {
        if (i == 50) {
          leader.kill();
        }
        putWithRetry(backend("leader-kill", "b" + i, i + 1));
      }

      // then
      assertConverges();
      assertThat(view.current().ofKind(Kind.BACKEND)).hasSize(100);
      assertThat(logs.warnings()).anyMatch(m -> m.contains("failed, verifying"));
    } finally {
      leader.start();
      leader.awaitHealthy(WAIT);
    }
  }

  @Test
  void theViewComesBackByItselfWhenEveryMemberWasDown() throws Exception {
    // given
    view = open();
    Resource before = backend("outage", "before", 1);
    view.awaitRevision(put(before), WAIT);
    try {
      // when: every member stops, long enough for the view to fail to list at least once
      etcd.members().forEach(EtcdMember::stop);
      await()
          .atMost(WAIT)
          .until(() -> logs.warnings().stream().anyMatch(m -> m.contains("cannot list")));
    } finally {
      etcd.members().forEach(EtcdMember::start);
      etcd.members().forEach(m -> m.awaitHealthy(WAIT));
    }
    Resource after = backend("outage", "after", 1);
    putWithRetry(after);

    // then
    assertConverges();
    assertThat(view.current().resources()).containsKeys(before.key(), after.key());
  }

  @Test
  void aWatchWhoseRevisionWasCompactedIsReplacedByAFreshList() throws Exception {
    // given: a view at the revision of a and b, whose watch then falls behind
    view = open();
    Resource a = backend("compact", "a", 1);
    Resource b = backend("compact", "b", 1);
    put(a);
    long seen = put(b);
    view.awaitRevision(seen, WAIT);
    view.suspendWatch();

    // when: the store moves on and is compacted past the view's revision
    Resource c = backend("compact", "c", 1);
    Resource b2 = backend("compact", "b", 2);
    put(c);
    delete(a.key());
    long compactedAt = put(b2);
    kv().compact(compactedAt).get(10, TimeUnit.SECONDS);
    view.resumeWatch();

    // then: the watch from seen + 1 is refused, and the view lists again
    ConfigSnapshot recovered = view.awaitRevision(compactedAt, WAIT);
    assertThat(recovered.revision()).isEqualTo(compactedAt);
    assertThat(recovered.resources()).isEqualTo(freshList().resources());
    assertThat(recovered.resources()).containsOnlyKeys(b.key(), c.key());
    assertThat(recovered.get(b.key()).orElseThrow().metadata().resourceVersion())
        .isEqualTo(compactedAt);
    assertThat(delivered)
        .extracting(ConfigSnapshot::revision)
        .filteredOn(revision -> revision > seen)
        .containsExactly(compactedAt);
    assertThat(logs.warnings()).anyMatch(m -> m.contains("compacted"));
  }

  @Test
  void aValueThatDoesNotDecodeIsLeftOutAndLogged() throws Exception {
    // given: a corrupt value stored before the view starts
    Resource a = backend("corrupt", "a", 1);
    Resource b = backend("corrupt", "b", 1);
    put(a);
    String pathOfB = Keyspace.resource(b.key());
    kv().put(bytes(pathOfB), bytes("{\"apiVersion\": not json")).get(10, TimeUnit.SECONDS);

    // when
    view = open();
    ConfigSnapshot listed = view.awaitRevision(1, WAIT);

    // then
    assertThat(listed.resources()).containsOnlyKeys(a.key());
    assertThat(logs.warnings()).anyMatch(m -> m.contains(pathOfB));

    // and when b is fixed through the watch
    long fixed = put(b);

    // then
    assertThat(view.awaitRevision(fixed, WAIT).resources()).containsOnlyKeys(a.key(), b.key());

    // and when a is corrupted through the watch
    long corrupted =
        kv().put(bytes(Keyspace.resource(a.key())), bytes("[]"))
            .get(10, TimeUnit.SECONDS)
            .getHeader()
            .getRevision();

    // then
    assertThat(view.awaitRevision(corrupted, WAIT).resources()).containsOnlyKeys(b.key());
    assertThat(logs.warnings())
        .anyMatch(m -> m.contains(Keyspace.resource(a.key())) && m.contains("does not decode"));
  }

  @Test
  void aStoreOfMoreThanFourMebibytesIsListedAndThenWatched() throws Exception {
    // given: 5.3 MiB of Backends, more than one gRPC response may carry
    LargeConfig large = new LargeConfig(kv(), "large");
    TreeMap<ResourceKey, Resource> stored = large.write();

    // when
    view = open();
    ConfigSnapshot listed = view.awaitRevision(1, WAIT);

    // then
    assertResources(listed, stored);

    // and when the store changes
    Resource after = backend("large", "after", 1);
    long revision = put(after);

    // then the watch brings it
    TreeMap<ResourceKey, Resource> expected = new TreeMap<>(stored);
    expected.put(after.key(), stored(after, revision));
    assertResources(view.awaitRevision(revision, WAIT), expected);
  }

  @Test
  void aListOfSeveralPagesIsOneRevisionAndAChangeBetweenPagesComesByWatch() throws Exception {
    // given
    LargeConfig large = new LargeConfig(kv(), "large");
    TreeMap<ResourceKey, Resource> stored = large.write();
    BetweenPages change =
        new BetweenPages(
            Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build(),
            large::change);

    // when: the last Backends change between the first page of the view's list and the second
    view = open(change.client());
    ConfigSnapshot listed = view.awaitRevision(1, WAIT);

    // then: the first snapshot is the store before the change, and none of it
    assertThat(change.written()).as("the change between two pages").isCompleted();
    long changedAt = change.written().join();
    assertThat(listed.revision()).isLessThan(changedAt);
    assertResources(listed, stored);
    // and the change comes next, whole, from the watch
    ConfigSnapshot changed = view.awaitRevision(changedAt, WAIT);
    assertThat(changed.revision()).isEqualTo(changedAt);
    assertResources(changed, large.changed(changedAt));
    assertThat(delivered)
        .extracting(ConfigSnapshot::revision)
        .containsExactly(listed.revision(), changedAt);
  }

  // ---- helpers

  private ConfigView open() {
    return open(Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build());
  }

  private ConfigView open(Client client) {
    viewClient = client;
    return ConfigView.open(
        client,
        snapshot -> {
          if (inListener.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
          }
          deliveringThreads.add(Thread.currentThread());
          delivered.add(snapshot);
          inListener.decrementAndGet();
        });
  }

  /** Names and resourceVersions first: a failure then prints those, not MiBs of resources. */
  private static void assertResources(
      ConfigSnapshot snapshot, Map<ResourceKey, Resource> expected) {
    assertThat(LargeConfig.versions(snapshot.resources().values()))
        .as("names and resourceVersions at revision %d", snapshot.revision())
        .containsExactlyEntriesOf(LargeConfig.versions(expected.values()));
    assertThat(snapshot.resources()).isEqualTo(expected);
  }

  /** The view ends where a fresh list of the store is. */
  private void assertConverges() {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              FreshList fresh = freshList();
              ConfigSnapshot current = view.current();
              assertThat(current.resources()).isEqualTo(fresh.resources());
              assertThat(current.revision()).isGreaterThanOrEqualTo(fresh.maxModRevision());
            });
  }

  private static Resource backend(String namespace, String name, int port) {
    return Resource.of(
        Kind.BACKEND,
        ObjectMeta.of(namespace, name).withBookkeeping("uid-" + name, 1, 0),
        new BackendSpec(
            null, null, null, null, new DnsSource(name + ".example.com", port), null, null));
  }

  /** What the view should hold for a resource written at {@code revision}. */
  private static Resource stored(Resource resource, long revision) {
    ObjectMeta meta = resource.metadata();
    return resource.withMetadata(meta.withBookkeeping(meta.uid(), meta.generation(), revision));
  }

  private static KV kv() {
    return etcd.client().getKVClient();
  }

  private static long put(Resource resource) throws Exception {
    return kv().put(bytes(Keyspace.resource(resource.key())), value(resource))
        .get(10, TimeUnit.SECONDS)
        .getHeader()
        .getRevision();
  }

  private static long delete(ResourceKey key) throws Exception {
    DeleteResponse response = kv().delete(bytes(Keyspace.resource(key))).get(10, TimeUnit.SECONDS);
    assertThat(response.getDeleted()).isEqualTo(1);
    return response.getHeader().getRevision();
  }

  /** A put can fail while etcd elects a leader or restarts; writers retry, as the applier will. */
  private static void putWithRetry(Resource resource) throws Exception {
    await()
        .atMost(WAIT)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> {
              // Short: a put sent while no leader is known can hang for etcd's request timeout (7
              // s).
              kv().put(bytes(Keyspace.resource(resource.key())), value(resource))
                  .get(2, TimeUnit.SECONDS);
              return true;
            });
  }

  private static FreshList freshList() throws Exception {
    GetResponse response =
        kv().get(PREFIX, GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
    TreeMap<ResourceKey, Resource> resources = new TreeMap<>();
    long maxModRevision = 0;
    for (var kv : response.getKvs()) {
      maxModRevision = Math.max(maxModRevision, kv.getModRevision());
      Resource resource = StoredValues.resource(kv.getValue().getBytes(), kv.getModRevision());
      resources.put(resource.key(), resource);
    }
    return new FreshList(response.getHeader().getRevision(), maxModRevision, resources);
  }

  private record FreshList(
      long revision, long maxModRevision, TreeMap<ResourceKey, Resource> resources) {}

  /** The store's content at every revision the test wrote, to check each delivered snapshot. */
  private static final class History {
    private final NavigableMap<Long, TreeMap<ResourceKey, Resource>> states = new TreeMap<>();
    private final NavigableMap<Long, Resource> puts = new TreeMap<>();
    private final NavigableMap<Long, ResourceKey> deletes = new TreeMap<>();

    History(ConfigSnapshot start) {
      states.put(start.revision(), new TreeMap<>(start.resources()));
    }

    void put(Resource resource, long revision) {
      puts.put(revision, resource);
      rebuild();
    }

    void delete(ResourceKey key, long revision) {
      deletes.put(revision, key);
      rebuild();
    }

    TreeMap<ResourceKey, Resource> at(long revision) {
      return states.floorEntry(revision).getValue();
    }

    void assertMatches(List<ConfigSnapshot> snapshots) {
      for (ConfigSnapshot snapshot : snapshots) {
        if (snapshot.revision() >= states.firstKey()) {
          assertThat(snapshot.resources())
              .as("snapshot at revision %d", snapshot.revision())
              .isEqualTo(at(snapshot.revision()));
        }
      }
    }

    private void rebuild() {
      Map.Entry<Long, TreeMap<ResourceKey, Resource>> start = states.firstEntry();
      states.clear();
      states.put(start.getKey(), start.getValue());
      TreeMap<ResourceKey, Resource> state = new TreeMap<>(start.getValue());
      TreeMap<Long, Object> writes = new TreeMap<>();
      writes.putAll(puts);
      writes.putAll(deletes);
      for (Map.Entry<Long, Object> write : writes.entrySet()) {
        if (write.getValue() instanceof Resource resource) {
          state.put(resource.key(), stored(resource, write.getKey()));
        } else {
          state.remove((ResourceKey) write.getValue());
        }
        states.put(write.getKey(), new TreeMap<>(state));
      }
    }
  }

  private static Logger viewLogger() {
    return (Logger) LoggerFactory.getLogger(ConfigView.class);
  }

  /** WARN lines of the view, safe to read while the view writes. */
  private static final class CapturedLogs extends AppenderBase<ILoggingEvent> {
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent event) {
      events.add(event);
    }

    List<String> warnings() {
      return events.stream()
          .filter(e -> e.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  private static ByteSequence value(Resource resource) {
    return ByteSequence.from(StoredValues.resource(resource));
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, UTF_8);
  }
}
