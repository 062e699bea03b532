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
    Leadership leadership = new Leadership(etcd.client(), key, id, TTL).start();
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
    Leadership a = replica("a");
    await().atMost(Duration.ofSeconds(10)).until(a::leading);
    Leadership b = replica("b");

    a.close();

    // Well under the TTL: the closing leader revoked its lease.
    await().atMost(Duration.ofMillis(TTL.toMillis())).until(b::leading);
    assertThat(b.leader()).contains("b");
  }
}
