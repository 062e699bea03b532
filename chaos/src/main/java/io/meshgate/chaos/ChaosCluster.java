package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.meshgate.config.store.Keyspace;
import io.meshgate.embedded.EtcdMember;
import io.meshgate.embedded.FreePorts;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.FaultProxy;
import io.meshgate.testkit.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The cluster under test: a 3-member etcd and a Kafka broker (in this JVM), {@code replicas} {@code
 * meshgate node} processes started from the built jar, and fault proxies on every link the nemesis
 * cuts: each replica reaches each etcd member through a proxy of its own, and the proxies homed on
 * a replica reach its ADS port through one. Kafka is reached directly (a broker advertises its own
 * address, which a TCP proxy would have to rewrite).
 */
public final class ChaosCluster implements AutoCloseable {
  public static final int ETCD_MEMBERS = 3;

  private final EtcdCluster etcd;
  private final KafkaBroker kafka;
  private final List<Replica> replicas = new ArrayList<>();
  private final List<List<FaultProxy>> etcdLinks = new ArrayList<>();
  private final List<FaultProxy> adsLinks = new ArrayList<>();
  private final Timeline timeline;
  private Client client;
  private EtcdHistory history;

  private ChaosCluster(EtcdCluster etcd, KafkaBroker kafka, Timeline timeline) {
    this.etcd = etcd;
    this.kafka = kafka;
    this.timeline = timeline;
  }

  /** Starts everything and waits until every replica is ready. */
  public static ChaosCluster start(int replicas, Path jar, Path dir, Timeline timeline) {
    requireNonNull(jar, "jar");
    if (!jar.toFile().isFile()) {
      throw new IllegalStateException(
          "no " + jar + ": build it first (mvn -o package -pl xds-node -am -DskipTests)");
    }
    ChaosCluster cluster =
        new ChaosCluster(EtcdCluster.local(ETCD_MEMBERS), KafkaBroker.embedded(), timeline);
    try {
      cluster.etcd.start();
      cluster.kafka.start();
      cluster.history = new EtcdHistory(cluster.etcdClient());
      timeline.log(
          "cluster",
          "etcd " + cluster.etcd.endpointList() + ", Kafka " + cluster.kafka.bootstrapServers());
      for (int r = 0; r < replicas; r++) {
        List<FaultProxy> links = new ArrayList<>();
        for (int m = 0; m < ETCD_MEMBERS; m++) {
          int port = cluster.etcd.member(m).clientUrl().getPort();
          links.add(FaultProxy.to("r" + r + "-etcd" + m, "127.0.0.1", port));
        }
        cluster.etcdLinks.add(links);
        // Below the kernel's ephemeral range (FreePorts): a port picked by binding port 0 was
        // taken by another process's outgoing connection before the replica bound it (a long run's
        // start failed so on 2026-12-08, while the machine also ran tests).
        int xds = FreePorts.pick();
        Replica replica =
            new Replica(
                "r" + r,
                jar,
                dir.resolve("replica-r" + r + ".log"),
                kafkaConfig(dir),
                cluster.kafka.bootstrapServers(),
                String.join(",", links.stream().map(l -> "http://" + l.address()).toList()),
                xds,
                FreePorts.pick());
        cluster.replicas.add(replica);
        cluster.adsLinks.add(FaultProxy.to("ads-r" + r, "127.0.0.1", xds));
      }
      cluster.replicas.forEach(Replica::start);
      cluster.awaitReady(Duration.ofSeconds(120));
      timeline.log("cluster", "replicas ready: " + cluster.replicas);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public List<Replica> replicas() {
    return List.copyOf(replicas);
  }

  public Replica replica(int index) {
    return replicas.get(index);
  }

  /** The addresses proxies connect to, one per replica (through that replica's ADS fault proxy). */
  public List<String> adsAddresses() {
    return adsLinks.stream().map(FaultProxy::address).toList();
  }

  public FaultProxy adsLink(int replica) {
    return adsLinks.get(replica);
  }

  public List<FaultProxy> etcdLinks(int replica) {
    return etcdLinks.get(replica);
  }

  public EtcdCluster etcd() {
    return etcd;
  }

  public EtcdMember etcdMember(int index) {
    return etcd.member(index);
  }

  public KafkaBroker kafka() {
    return kafka;
  }

  /** A direct client of etcd (not through any fault proxy), for the checker. */
  public synchronized Client etcdClient() {
    if (client == null) {
      client = etcd.newClient();
    }
    return client;
  }

  /** What the run's etcd history watch recorded. */
  EtcdHistory history() {
    return history;
  }

  /** A status leader: the replica's index and its term (the election key's create revision). */
  record Leader(int replica, long term) {}

  /** The replica that leads status writing now, as etcd holds it. */
  Optional<Leader> statusLeader() {
    try {
      List<KeyValue> kvs =
          etcdClient()
              .getKVClient()
              .get(ByteSequence.from(Keyspace.LEADER, StandardCharsets.UTF_8))
              .get(5, TimeUnit.SECONDS)
              .getKvs();
      if (kvs.isEmpty()) {
        return Optional.empty();
      }
      String id = kvs.get(0).getValue().toString(StandardCharsets.UTF_8);
      for (int r = 0; r < replicas.size(); r++) {
        if (replicas.get(r).id().equals(id)) {
          return Optional.of(new Leader(r, kvs.get(0).getCreateRevision()));
        }
      }
      return Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!replicas.stream().allMatch(Replica::isReady)) {
      for (Replica replica : replicas) {
        if (!replica.isRunning()) {
          throw new IllegalStateException(
              "replica " + replica.id() + " exited; its log: " + replica.log());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "replicas not ready within "
                + timeout.toSeconds()
                + " s; logs in "
                + replicas.get(0).log().getParent());
      }
      sleep(250);
    }
  }

  /** Puts every link back to passing and every process back to running. */
  public void healAll() {
    etcdLinks.forEach(links -> links.forEach(FaultProxy::pass));
    adsLinks.forEach(FaultProxy::pass);
    for (Replica replica : replicas) {
      if (replica.isPaused()) {
        replica.resume();
      }
      if (!replica.isRunning()) {
        replica.start();
      }
    }
    for (EtcdMember member : etcd.members()) {
      if (!member.isRunning()) {
        member.start();
      }
    }
    if (!kafka.isRunning()) {
      kafka.start();
    }
  }

  @Override
  public void close() {
    // all asked to stop at once, then awaited: a graceful stop takes seconds each
    replicas.parallelStream().forEach(Replica::close);
    adsLinks.forEach(FaultProxy::close);
    etcdLinks.forEach(links -> links.forEach(FaultProxy::close));
    if (history != null) {
      history.close();
    }
    if (client != null) {
      client.close();
    }
    kafka.close();
    etcd.close();
  }

  /**
   * The replicas' Kafka client settings: a 10-s consumer session (Kafka's default is 45 s), so that
   * the partitions of a replica killed with SIGKILL move to the others within the run's bounds, as
   * an operator who wants faster failover sets it.
   */
  private static Path kafkaConfig(Path dir) {
    try {
      java.nio.file.Files.createDirectories(dir);
      Path file = dir.resolve("kafka-client.properties");
      java.nio.file.Files.writeString(
          file, "session.timeout.ms=10000\nheartbeat.interval.ms=2000\n");
      return file;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
