package io.meshgate.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.meshgate.embedded.EtcdMember;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EtcdClusterIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.local(3);

  @Test
  void putGetTxnWatchAndLeaseWorkAgainstTheCluster() throws Exception {
    // given
    Client client = etcd.client();
    KV kv = client.getKVClient();
    ByteSequence key = bytes("/it/basics/a");
    Set<String> watched = ConcurrentHashMap.newKeySet();
    try (Watch.Watcher watcher =
        client
            .getWatchClient()
            .watch(
                key,
                WatchOption.builder().withRevision(startRevision(client) + 1).build(),
                response ->
                    response
                        .getEvents()
                        .forEach(e -> watched.add(text(e.getKeyValue().getValue()))))) {

      // when: put, then a compare-and-set on the mod revision that wins and one that loses
      long revision = kv.put(key, bytes("v1")).get(5, TimeUnit.SECONDS).getHeader().getRevision();
      TxnResponse won =
          kv.txn()
              .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision)))
              .Then(Op.put(key, bytes("v2"), PutOption.DEFAULT))
              .commit()
              .get(5, TimeUnit.SECONDS);
      TxnResponse lost =
          kv.txn()
              .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision)))
              .Then(Op.put(key, bytes("v3"), PutOption.DEFAULT))
              .commit()
              .get(5, TimeUnit.SECONDS);

      // then
      assertThat(won.isSucceeded()).isTrue();
      assertThat(lost.isSucceeded()).isFalse();
      assertThat(text(kv.get(key).get(5, TimeUnit.SECONDS).getKvs().get(0).getValue()))
          .isEqualTo("v2");
      await().atMost(Duration.ofSeconds(10)).until(() -> watched.containsAll(Set.of("v1", "v2")));
      assertThat(watched).doesNotContain("v3");
    }

    // and a key bound to a lease disappears when the lease is revoked
    long lease = client.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
    ByteSequence leased = bytes("/it/basics/leased");
    kv.put(leased, bytes("x"), PutOption.builder().withLeaseId(lease).build())
        .get(5, TimeUnit.SECONDS);
    assertThat(kv.get(leased).get(5, TimeUnit.SECONDS).getCount()).isEqualTo(1);
    client.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
    assertThat(kv.get(leased).get(5, TimeUnit.SECONDS).getCount()).isZero();
  }

  @Test
  void killingTheLeaderLosesNoWriteAndNoWatchEvent() throws Exception {
    // given: a watcher on a prefix and a stream of writes
    Client client = etcd.newClient();
    String prefix = "/it/leader-kill/";
    int writes = 200;
    Set<String> seen = ConcurrentHashMap.newKeySet();
    List<String> watchErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
    EtcdMember leader = etcd.leader();
    try (Watch.Watcher watcher =
        client
            .getWatchClient()
            .watch(
                bytes(prefix),
                // From a known revision: a watch is created asynchronously, and a put issued
                // before the server registers it would otherwise be missed.
                WatchOption.builder()
                    .isPrefix(true)
                    .withRevision(startRevision(client) + 1)
                    .build(),
                Watch.listener(
                    response ->
                        response.getEvents().stream()
                            .filter(e -> e.getEventType() == WatchEvent.EventType.PUT)
                            .forEach(e -> seen.add(text(e.getKeyValue().getKey()))),
                    error -> watchErrors.add(String.valueOf(error))))) {

      // when: the leader is killed half-way through the writes
      for (int i = 0; i < writes; i++) {
        if (i == writes / 2) {
          leader.kill();
        }
        putWithRetry(client.getKVClient(), bytes(prefix + i), bytes("v" + i));
      }

      // then: a new leader serves, every write is stored and every write was watched
      EtcdMember newLeader = etcd.leader();
      assertThat(newLeader).isNotSameAs(leader);
      List<String> expected =
          IntStream.range(0, writes).mapToObj(i -> prefix + i).collect(Collectors.toList());
      assertThat(
              client
                  .getKVClient()
                  .get(bytes(prefix), GetOption.builder().isPrefix(true).build())
                  .get(10, TimeUnit.SECONDS)
                  .getCount())
          .isEqualTo(writes);
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> seen.containsAll(expected));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError(
            "watch missed "
                + expected.stream().filter(k -> !seen.contains(k)).toList()
                + "; errors: "
                + watchErrors,
            e);
      }
    } finally {
      // the killed member comes back with its data and rejoins
      leader.start();
      leader.awaitHealthy(Duration.ofSeconds(20));
    }
    assertThat(etcd.members()).allMatch(EtcdMember::isHealthy);
  }

  private static long startRevision(Client client) throws Exception {
    return client.getKVClient().get(bytes("/")).get(5, TimeUnit.SECONDS).getHeader().getRevision();
  }

  /**
   * A put can fail while the cluster elects a new leader; the test's writer retries, as ours will.
   */
  private static void putWithRetry(KV kv, ByteSequence key, ByteSequence value) throws Exception {
    Exception last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        kv.put(key, value).get(5, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        last = e;
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
    throw last;
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, UTF_8);
  }

  private static String text(ByteSequence bytes) {
    return bytes.toString(UTF_8);
  }
}
