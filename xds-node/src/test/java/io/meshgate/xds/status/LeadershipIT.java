package io.meshgate.xds.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.meshgate.testkit.EtcdCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The status election on a real etcd: one leader, failover within the TTL, fenced writes. */
class LeadershipIT {
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final Duration TTL = Duration.ofSeconds(2);
  private final List<Leadership> replicas = new ArrayList<>();
  private final String key = "/meshgate/v1/test-leader/" + System.nanoTime();

  @AfterEach
  void stop() {
    replicas.forEach(Leadership::close);
  }

  private Leadership replica(String id) {
    return replica(id, TTL);
  }

  private Leadership replica(String id, Duration ttl) {
    Leadership leadership = new Leadership(etcd.client(), key, id, ttl).start();
    replicas.add(leadership);
    return leadership;
  }

  private long leaders() {
    return replicas.stream().filter(Leadership::leading).count();
  }

  @Test
  void exactlyOneOfThreeLeadsAndACrashedLeaderIsReplacedWithinTheTtl() throws Exception {
    // given
    replica("a");
    replica("b");
    replica("c");
    await().atMost(Duration.ofSeconds(10)).until(() -> leaders() == 1);
    Leadership first = replicas.stream().filter(Leadership::leading).findFirst().orElseThrow();
    var fence = first.fence();

    // when: the leader stops renewing, as a crashed process would (no revocation)
    first.abandon();

    // then: another replica leads within the TTL plus a poll
    await()
        .atMost(TTL.plus(Duration.ofSeconds(3)))
        .until(() -> replicas.stream().filter(r -> r != first).anyMatch(Leadership::leading));
    assertThat(leaders()).isEqualTo(1);

    // and the old term's fence no longer passes: a deposed leader cannot write
    var write =
        etcd.client()
            .getKVClient()
            .txn()
            .If(fence)
            .Then(
                Op.put(
                    ByteSequence.from(key + "/probe", StandardCharsets.UTF_8),
                    ByteSequence.from("x", StandardCharsets.UTF_8),
                    PutOption.DEFAULT))
            .commit()
            .get(5, TimeUnit.SECONDS);
    assertThat(write.isSucceeded()).isFalse();
  }

  @Test
  void aLeaderThatClosesHandsOverAtOnce() {
    // A long lease: were it left to expire, b would wait 60 s.
    Duration ttl = Duration.ofSeconds(60);
    Leadership a = replica("a", ttl);
    await().atMost(Duration.ofSeconds(10)).until(a::leading);
    Leadership b = replica("b", ttl);

    a.close();

    // Long before the lease could expire: the closing leader revoked it. (The margin is wide, so
    // a busy machine does not make this fail; handing over takes milliseconds here.)
    await().atMost(ttl.dividedBy(3)).until(b::leading);
    assertThat(b.leader()).contains("b");
  }
}
