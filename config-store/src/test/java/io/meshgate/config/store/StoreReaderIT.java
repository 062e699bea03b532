package io.meshgate.config.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.testkit.EtcdCluster;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link StoreReader}'s lists on a real etcd, past gRPC's 4 MiB limit on one response. */
class StoreReaderIT {
  // Local: a test compacts the store.
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(1);

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String NAMESPACE = "large";

  private final LargeConfig config = new LargeConfig(kv(), NAMESPACE);

  @BeforeEach
  void startClean() throws Exception {
    kv().delete(bytes(Keyspace.resourcesPrefix()), DeleteOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void aListOfMoreThanFourMebibytesReturnsEveryResource() throws Exception {
    // given: 5.3 MiB of Backends
    TreeMap<ResourceKey, Resource> stored = config.write();

    // when
    StoreReader reader = new StoreReader(etcd.client(), TIMEOUT);

    // then
    assertListed(reader.list(Kind.BACKEND, NAMESPACE), stored);
    assertListed(reader.list(Kind.BACKEND, null), stored);
  }

  @Test
  void aListOfSeveralPagesIsTheStoreAtOneRevision() throws Exception {
    // given
    TreeMap<ResourceKey, Resource> stored = config.write();
    BetweenPages change = new BetweenPages(etcd.newClient(), config::change);
    StoreReader reader = new StoreReader(change.client(), TIMEOUT);

    // when: the last Backends change between the list's first and second page
    List<Resource> listed = reader.list(Kind.BACKEND, NAMESPACE);

    // then: the list is the store before the change, and none of it
    assertThat(change.written()).as("the change between two pages").isCompleted();
    assertListed(listed, stored);
    // and the next list is the store after it
    assertListed(
        new StoreReader(etcd.client(), TIMEOUT).list(Kind.BACKEND, NAMESPACE),
        config.changed(change.written().join()));
  }

  @Test
  void aListWhoseRevisionIsCompactedBetweenTwoPagesStartsOver() throws Exception {
    // given
    config.write();
    BetweenPages changeAndCompact =
        new BetweenPages(
            etcd.newClient(),
            () ->
                config
                    .change()
                    .thenCompose(revision -> kv().compact(revision).thenApply(c -> revision)));
    StoreReader reader = new StoreReader(changeAndCompact.client(), TIMEOUT);

    // when: between the first and the second page, the store changes and is compacted up to it
    List<Resource> listed = reader.list(Kind.BACKEND, NAMESPACE);

    // then: the list starts over, and sees the change
    assertThat(changeAndCompact.written()).as("the change between two pages").isCompleted();
    long changedAt = changeAndCompact.written().join();
    assertListed(listed, config.changed(changedAt));
  }

  private static void assertListed(List<Resource> listed, TreeMap<ResourceKey, Resource> expected) {
    assertThat(LargeConfig.versions(listed))
        .as("names and resourceVersions")
        .containsExactlyEntriesOf(LargeConfig.versions(expected.values()));
    assertThat(listed).containsExactlyElementsOf(expected.values());
  }

  private static KV kv() {
    return etcd.client().getKVClient();
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, UTF_8);
  }
}
