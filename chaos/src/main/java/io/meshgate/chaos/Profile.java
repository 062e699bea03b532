package io.meshgate.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * How big a run is: how many proxies, how many faults of which kinds, how long each lasts, and the
 * pause between them. {@link #SHORT} runs in the test command; {@link #LONG} is {@code
 * bin/chaos}'s.
 */
public enum Profile {
  /** Two faults on the status path, about 20 s of faults: fits in the test command. */
  SHORT(24, 2, Duration.ofSeconds(2)) {
    @Override
    List<Fault> faults(Random random, int replicas) {
      // the nastiest pair: the status leader killed, then the next leader paused for more than its
      // lease's TTL (5 s) while it holds its lease, partitions and streams
      return List.of(
          new Fault.KillReplica(Fault.STATUS_LEADER, Duration.ofSeconds(3 + random.nextInt(3))),
          new Fault.PauseReplica(Fault.STATUS_LEADER, Duration.ofSeconds(12)));
    }
  },
  /** Every kind of fault, in a seeded order. */
  LONG(300, 8, Duration.ofSeconds(8)) {
    @Override
    List<Fault> faults(Random random, int replicas) {
      List<Fault> all =
          new ArrayList<>(
              List.of(
                  new Fault.KillReplica(Fault.STATUS_LEADER, seconds(random, 3, 10)),
                  new Fault.KillReplica(random.nextInt(replicas), seconds(random, 3, 10)),
                  new Fault.PauseReplica(random.nextInt(replicas), Duration.ofSeconds(20)),
                  new Fault.KillEtcdLeader(seconds(random, 3, 10)),
                  new Fault.IsolateEtcdMember(random.nextInt(3), seconds(random, 10, 20)),
                  new Fault.EtcdDown(Duration.ofSeconds(30)),
                  new Fault.KafkaDown(Duration.ofSeconds(30)),
                  new Fault.CutReplicaFromEtcd(random.nextInt(replicas), seconds(random, 10, 20)),
                  new Fault.CutProxiesFromReplica(
                      random.nextInt(replicas), seconds(random, 5, 15))));
      java.util.Collections.shuffle(all, random);
      return List.copyOf(all.subList(0, Math.min(faultsPerRun, all.size())));
    }
  };

  final int proxies;
  final int faultsPerRun;
  final Duration gap;

  Profile(int proxies, int faultsPerRun, Duration gap) {
    this.proxies = proxies;
    this.faultsPerRun = faultsPerRun;
    this.gap = gap;
  }

  /** The run's faults, in order, drawn from the seed's random. */
  abstract List<Fault> faults(Random random, int replicas);

  private static Duration seconds(Random random, int from, int to) {
    return Duration.ofSeconds(from + random.nextInt(to - from + 1));
  }
}
