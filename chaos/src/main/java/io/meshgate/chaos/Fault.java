package io.meshgate.chaos;

import java.time.Duration;

/**
 * One fault the nemesis brings and then heals. Replicas and etcd members are named by index; a
 * replica index of {@link #STATUS_LEADER} means whichever replica leads status when the fault
 * starts.
 */
public sealed interface Fault {
  int STATUS_LEADER = -1;

  /** How long the fault lasts before it is healed. */
  Duration lasting();

  /** A line for the timeline and the schedule. */
  String describe();

  /** {@code kill -9} of a replica; it is started again after {@code lasting}. */
  record KillReplica(int replica, Duration lasting) implements Fault {
    @Override
    public String describe() {
      return "kill -9 replica "
          + replicaName(replica)
          + ", restart after "
          + lasting.toSeconds()
          + " s";
    }
  }

  /** {@code SIGSTOP} of a replica, {@code SIGCONT} after {@code lasting}. */
  record PauseReplica(int replica, Duration lasting) implements Fault {
    @Override
    public String describe() {
      return "SIGSTOP replica " + replicaName(replica) + " for " + lasting.toSeconds() + " s";
    }
  }

  /** {@code kill -9} of etcd's leader; it is started again after {@code lasting}. */
  record KillEtcdLeader(Duration lasting) implements Fault {
    @Override
    public String describe() {
      return "kill -9 the etcd leader, restart after " + lasting.toSeconds() + " s";
    }
  }

  /**
   * One etcd member cut off from its peers and clients: {@code SIGSTOP}, so it neither sends nor
   * answers, while its connections stay open — as behind a partition that TCP rides out.
   */
  record IsolateEtcdMember(int member, Duration lasting) implements Fault {
    @Override
    public String describe() {
      return "etcd member " + member + " cut off (SIGSTOP) for " + lasting.toSeconds() + " s";
    }
  }

  /** Every etcd member stopped ({@code SIGKILL}), all started again after {@code lasting}. */
  record EtcdDown(Duration lasting) implements Fault {
    @Override
    public String describe() {
      return "all etcd members down for " + lasting.toSeconds() + " s";
    }
  }

  /** The Kafka broker shut down, started again on its port and data after {@code lasting}. */
  record KafkaDown(Duration lasting) implements Fault {
    @Override
    public String describe() {
      return "Kafka broker down for " + lasting.toSeconds() + " s";
    }
  }

  /**
   * A replica cut off from etcd (its fault proxies to every member hold all bytes) while its
   * proxies stay connected to it.
   */
  record CutReplicaFromEtcd(int replica, Duration lasting) implements Fault {
    @Override
    public String describe() {
      return "replica "
          + replicaName(replica)
          + " cut off from etcd for "
          + lasting.toSeconds()
          + " s";
    }
  }

  /**
   * The proxies homed on a replica cut off from it (their fault proxy holds all bytes), then their
   * connections reset when it heals, as a partition that outlasted TCP ends.
   */
  record CutProxiesFromReplica(int replica, Duration lasting) implements Fault {
    @Override
    public String describe() {
      return "proxies cut off from replica "
          + replicaName(replica)
          + " for "
          + lasting.toSeconds()
          + " s, then reset";
    }
  }

  private static String replicaName(int replica) {
    return replica == STATUS_LEADER ? "(the status leader)" : "r" + replica;
  }
}
