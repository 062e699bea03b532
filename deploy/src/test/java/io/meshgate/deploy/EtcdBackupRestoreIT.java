package io.meshgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.store.StoreReader;
import io.meshgate.embedded.FreePorts;
import io.meshgate.embedded.LocalEtcd;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.cli.Meshgate;
import io.meshgate.xds.node.NodeSettings;
import io.meshgate.xds.node.XdsNode;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeUrls;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runbook of docs/operations.md, "etcd backup and restore", on a real etcd and Kafka: config
 * applied through {@code meshgate apply} and a replica's applier, {@code etcdctl snapshot save},
 * etcd lost, {@code etcdctl snapshot restore} into a new data directory, etcd started on it, and a
 * replica started again serves what it served before the loss — including a change applied after
 * the backup, which the applier applies again from Kafka because its offsets are stored in etcd.
 */
class EtcdBackupRestoreIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** Applied after the backup: only Kafka still has it when etcd is restored. */
  private static final String AFTER_BACKUP =
      """
      apiVersion: meshgate.io/v1alpha1
      kind: Backend
      metadata: {name: echo-v3, namespace: default}
      spec:
        protocol: GRPC
        static:
          endpoints: [{address: 127.0.0.1, port: 50053, zone: z1}]
      ---
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: web, namespace: default}
      spec:
        parentRefs: [{name: edge}]
        rules:
          - matches: [{path: {type: PathPrefix, value: /}}]
            backendRefs: [{group: meshgate.io, kind: Backend, name: echo-v3}]
      """;

  @TempDir Path dir;

  private static String etcdctl(Path workDir, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add("etcdctl");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().put("ETCDCTL_API", "3");
    builder.redirectErrorStream(true);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new AssertionError(
          "etcdctl is not on the PATH; install it with: apt-get install -y etcd-client", e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("etcdctl %s: %s", command, output).isZero();
    return output;
  }

  private static void apply(String kafkaServers, String etcd, Path file) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        Meshgate.commandLine()
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(
                "apply", "--wait", "-f", file.toString(), "--kafka", kafkaServers, "--etcd", etcd);
    assertThat(exit).as("meshgate apply: %s %s", out, err).isZero();
  }

  /** What a replica serves: every group's version of every type. */
  private static Map<String, Map<String, String>> served(SnapshotStore store) {
    Map<String, Map<String, String>> served = new TreeMap<>();
    for (String group : store.groups()) {
      Map<String, String> versions = new TreeMap<>();
      store
          .get(group)
          .ifPresent(s -> TypeUrls.ALL.forEach(t -> versions.put(t, s.type(t).version())));
      served.put(group, versions);
    }
    return served;
  }

  /** Stored resources by key, with what a user wrote (uids and revisions are the applier's). */
  private static Map<String, Object> stored(String endpoint) {
    try (Client client = Client.builder().endpoints(endpoint).build()) {
      StoreReader reader = new StoreReader(client, Duration.ofSeconds(10));
      Map<String, Object> stored = new TreeMap<>();
      for (Kind kind : Kind.values()) {
        for (Resource resource : reader.list(kind, null)) {
          stored.put(resource.key().toString(), resource.spec());
        }
      }
      return stored;
    }
  }

  /** The etcd revision of the newest stored resource. */
  private static long lastChange(String endpoint) {
    try (Client client = Client.builder().endpoints(endpoint).build()) {
      StoreReader reader = new StoreReader(client, Duration.ofSeconds(10));
      long last = 0;
      for (Kind kind : Kind.values()) {
        for (Resource resource : reader.list(kind, null)) {
          last = Math.max(last, resource.metadata().resourceVersion());
        }
      }
      return last;
    }
  }

  private static XdsNode startReplica(String endpoint) {
    return XdsNode.start(
        NodeSettings.builder(kafka.bootstrapServers(), endpoint, "replica-1")
            .anyLoopbackPorts()
            .build());
  }

  private static ServingStatus adsHealth(InetSocketAddress xds) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(xds.getHostString(), xds.getPort()).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(
              HealthCheckRequest.newBuilder()
                  .setService(AggregatedDiscoveryServiceGrpc.SERVICE_NAME)
                  .build())
          .getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void aRestoredSnapshotAndKafkaGiveBackWhatReplicasServedBeforeEtcdWasLost() throws Exception {
    // given: etcd on fixed ports, a replica, and the examples applied through it
    int clientPort = FreePorts.pick();
    int peerPort = FreePorts.pick();
    String endpoint = "http://127.0.0.1:" + clientPort;
    Path afterBackup = dir.resolve("after-backup.yaml");
    Files.writeString(afterBackup, AFTER_BACKUP);
    LocalEtcd lost =
        LocalEtcd.builder()
            .clientPort(clientPort)
            .peerPort(peerPort)
            .dataDir(dir.resolve("lost"))
            .build()
            .start();
    Map<String, Map<String, String>> servedBeforeLoss;
    Map<String, Object> storedAtBackup;
    Map<String, Object> storedBeforeLoss;
    try (XdsNode replica = startReplica(endpoint)) {
      apply(kafka.bootstrapServers(), endpoint, Path.of("examples/echo.yaml"));
      storedAtBackup = stored(endpoint);

      // when: a backup, then a change after it, then etcd is lost
      String saved = etcdctl(dir, "--endpoints=" + endpoint, "snapshot", "save", "backup.db");
      assertThat(saved).contains("Snapshot saved at backup.db");
      apply(kafka.bootstrapServers(), endpoint, afterBackup);
      storedBeforeLoss = stored(endpoint);
      long lastChange = lastChange(endpoint);
      await()
          .atMost(WAIT)
          .until(() -> replica.ready() && replica.pipeline().builtRevision() >= lastChange);
      servedBeforeLoss = served(replica.snapshots());
      assertThat(servedBeforeLoss).containsKey("gateway/default/edge");
    } finally {
      lost.close();
    }
    etcdctl(
        dir,
        "snapshot",
        "restore",
        "backup.db",
        "--name=m1",
        "--data-dir=" + dir.resolve("restored/m1/data"),
        "--initial-cluster=m1=http://127.0.0.1:" + peerPort,
        "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort,
        "--initial-cluster-token=meshgate-restored");
    try (LocalEtcd restored =
        LocalEtcd.builder()
            .clientPort(clientPort)
            .peerPort(peerPort)
            .dataDir(dir.resolve("restored"))
            .build()
            .start()) {
      // then: etcd holds the config as it was at the backup
      assertThat(storedBeforeLoss).containsKey("Backend/default/echo-v3");
      assertThat(stored(endpoint))
          .isEqualTo(storedAtBackup)
          .doesNotContainKey("Backend/default/echo-v3");

      // and a replica started on it applies the later change again from Kafka, and serves the same
      try (XdsNode replica = startReplica(endpoint)) {
        await().atMost(WAIT).until(() -> stored(endpoint).equals(storedBeforeLoss));
        await().atMost(WAIT).until(() -> served(replica.snapshots()).equals(servedBeforeLoss));
        await().atMost(WAIT).until(replica::ready);
        assertThat(adsHealth(replica.xdsAddress()))
            .as("the gRPC check of the Nomad job asks this")
            .isEqualTo(ServingStatus.SERVING);
      }
    }
  }
}
