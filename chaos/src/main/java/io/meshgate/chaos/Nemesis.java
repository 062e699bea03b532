package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import io.meshgate.embedded.EtcdMember;
import io.meshgate.testkit.FaultProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Brings each fault of a schedule on the cluster, waits its time, and heals it. */
final class Nemesis {
  private final ChaosCluster cluster;
  private final Timeline timeline;

  /** The term of the last status leader killed: a later "the status leader" means its successor. */
  private long killedTerm = -1;

  Nemesis(ChaosCluster cluster, Timeline timeline) {
    this.cluster = requireNonNull(cluster, "cluster");
    this.timeline = requireNonNull(timeline, "timeline");
  }

  /** Runs the faults one after another, with {@code gap} of calm after each heal. */
  void run(List<Fault> faults, Duration gap) {
    for (Fault fault : faults) {
      bring(fault);
      ChaosCluster.sleep(gap.toMillis());
    }
  }

  void bring(Fault fault) {
    timeline.log("nemesis", "BEGIN " + fault.describe());
    if (fault instanceof Fault.KillReplica kill) {
      int index = replicaIndex(kill.replica());
      if (kill.replica() == Fault.STATUS_LEADER) {
        killedTerm = cluster.statusLeader().map(ChaosCluster.Leader::term).orElse(-1L);
      }
      Replica replica = cluster.replica(index);
      timeline.log("nemesis", "kill -9 " + replica.id());
      replica.kill();
      ChaosCluster.sleep(kill.lasting().toMillis());
      replica.start();
      timeline.log("nemesis", "restarted " + replica.id());
    } else if (fault instanceof Fault.PauseReplica pause) {
      Replica replica = cluster.replica(replicaIndex(pause.replica()));
      timeline.log("nemesis", "SIGSTOP " + replica.id());
      replica.pause();
      ChaosCluster.sleep(pause.lasting().toMillis());
      replica.resume();
      timeline.log("nemesis", "SIGCONT " + replica.id());
    } else if (fault instanceof Fault.KillEtcdLeader kill) {
      EtcdMember leader = cluster.etcd().leader();
      timeline.log("nemesis", "kill -9 etcd " + leader.name());
      leader.kill();
      ChaosCluster.sleep(kill.lasting().toMillis());
      leader.start();
      timeline.log("nemesis", "restarted etcd " + leader.name());
    } else if (fault instanceof Fault.IsolateEtcdMember isolate) {
      EtcdMember member = cluster.etcdMember(isolate.member());
      long pid = etcdPid(member);
      signal(pid, "STOP");
      timeline.log("nemesis", "SIGSTOP etcd " + member.name() + " (pid " + pid + ")");
      ChaosCluster.sleep(isolate.lasting().toMillis());
      signal(pid, "CONT");
      timeline.log("nemesis", "SIGCONT etcd " + member.name());
    } else if (fault instanceof Fault.EtcdDown down) {
      for (EtcdMember member : cluster.etcd().members()) {
        member.kill();
      }
      timeline.log("nemesis", "every etcd member killed");
      ChaosCluster.sleep(down.lasting().toMillis());
      cluster.etcd().members().forEach(EtcdMember::start);
      timeline.log("nemesis", "every etcd member started");
    } else if (fault instanceof Fault.KafkaDown down) {
      cluster.kafka().stop();
      timeline.log("nemesis", "Kafka stopped");
      ChaosCluster.sleep(down.lasting().toMillis());
      cluster.kafka().start();
      timeline.log("nemesis", "Kafka started");
    } else if (fault instanceof Fault.CutReplicaFromEtcd cut) {
      int index = replicaIndex(cut.replica());
      List<FaultProxy> links = cluster.etcdLinks(index);
      links.forEach(FaultProxy::pause);
      timeline.log("nemesis", "r" + index + " cut off from etcd");
      ChaosCluster.sleep(cut.lasting().toMillis());
      links.forEach(FaultProxy::pass);
      timeline.log("nemesis", "r" + index + " reaches etcd again");
    } else if (fault instanceof Fault.CutProxiesFromReplica cut) {
      int index = replicaIndex(cut.replica());
      FaultProxy link = cluster.adsLink(index);
      link.pause();
      timeline.log("nemesis", "proxies cut off from r" + index);
      ChaosCluster.sleep(cut.lasting().toMillis());
      link.reset();
      ChaosCluster.sleep(500);
      link.pass();
      timeline.log("nemesis", "proxies' links to r" + index + " reset, passing again");
    }
    timeline.log("nemesis", "END " + fault.describe());
  }

  private int replicaIndex(int replica) {
    if (replica != Fault.STATUS_LEADER) {
      return replica;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<ChaosCluster.Leader> leader = cluster.statusLeader();
      if (leader.isPresent() && leader.get().term() != killedTerm) {
        timeline.log(
            "nemesis",
            "the status leader is r"
                + leader.get().replica()
                + " (term "
                + leader.get().term()
                + ")");
        return leader.get().replica();
      }
      ChaosCluster.sleep(200);
    }
    throw new IllegalStateException("no status leader within 30 s");
  }

  /** The etcd process of a member, found by its data directory (whatever launched it). */
  private static long etcdPid(EtcdMember member) {
    String dataDir = member.dataDir().resolve("data").toString();
    return ProcessHandle.allProcesses()
        .filter(
            p -> p.info().arguments().map(args -> List.of(args).contains(dataDir)).orElse(false))
        .filter(p -> p.info().command().map(c -> c.endsWith("etcd")).orElse(false))
        .mapToLong(ProcessHandle::pid)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no etcd process for " + dataDir));
  }

  private static void signal(long pid, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
