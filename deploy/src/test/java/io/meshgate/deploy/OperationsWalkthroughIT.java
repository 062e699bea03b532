package io.meshgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.embedded.FreePorts;
import io.meshgate.embedded.Tether;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.TypeUrls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operations.md from the archive, as a newcomer follows it on one machine: three replicas
 * started with the archive's {@code bin/meshgate node} and the settings of {@code conf/node.env},
 * the examples applied with {@code bin/meshgate apply --wait}, proxies connected to two of the
 * replicas, then the estate seen with {@code meshgate check}, {@code meshgate proxy-status} and
 * each replica's {@code /metrics}. A gateway proxy is played by an ADS client of the examples'
 * Gateway's group (no Envoy binary runs here); Kafka and etcd are real.
 */
class OperationsWalkthroughIT {
  @RegisterExtension static KafkaBroker kafka = KafkaBroker.create();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static final String VERSION = System.getProperty("meshgate.version");
  private static final Path ARCHIVE = Path.of(System.getProperty("meshgate.archive"));
  private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir static Path unpacked;
  @TempDir Path dir;

  private static Path home;
  private final List<Process> replicas = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  /** One replica's addresses. */
  private record Replica(String id, int xds, int admin) {}

  private record Run(int exitCode, String out, String err) {}

  @BeforeAll
  static void unpack() throws Exception {
    assertThat(ARCHIVE).as("built by mvn package").isRegularFile();
    Process tar =
        new ProcessBuilder("tar", "-xzf", ARCHIVE.toString(), "-C", unpacked.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tar.exitValue()).as("tar: %s", output).isZero();
    home = unpacked.resolve("meshgate-" + VERSION);
  }

  @AfterEach
  void stop() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    for (Process replica : replicas) {
      replica.destroy();
    }
    for (Process replica : replicas) {
      if (!replica.waitFor(30, TimeUnit.SECONDS)) {
        replica.destroyForcibly();
      }
    }
  }

  /** What every command of the walkthrough gets: the JRE and the cluster, as node.env sets them. */
  private Map<String, String> environment() {
    Map<String, String> environment = new HashMap<>();
    environment.put("JAVA_HOME", JAVA_HOME.toString());
    environment.put("PATH", "/usr/bin:/bin");
    environment.put("HOME", dir.toString());
    environment.put("MESHGATE_KAFKA", kafka.bootstrapServers());
    environment.put("MESHGATE_ETCD", etcd.endpointList());
    return environment;
  }

  /** Step 3 of "Install on a VM", for one replica: {@code bin/meshgate node} with its settings. */
  private Replica start(String id) throws IOException {
    Replica replica = new Replica(id, FreePorts.pick(), FreePorts.pick());
    Map<String, String> environment = environment();
    environment.put("MESHGATE_REPLICA_ID", id);
    environment.put("MESHGATE_XDS_ADDR", "127.0.0.1:" + replica.xds());
    environment.put("MESHGATE_ADMIN_ADDR", "127.0.0.1:" + replica.admin());
    environment.put("MESHGATE_ADMIN_GRPC_ADDR", "127.0.0.1:" + FreePorts.pick());
    ProcessBuilder builder =
        new ProcessBuilder(home.resolve("bin/meshgate").toString(), "node").directory(dir.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment);
    builder
        .redirectOutput(dir.resolve(id + ".out").toFile())
        .redirectError(dir.resolve(id + ".err").toFile());
    // Tethered: a killed test JVM takes its replicas with it (bin/meshgate execs the JVM, so the
    // tether's SIGKILL reaches it).
    replicas.add(Tether.start(builder));
    return replica;
  }

  private Run meshgate(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/meshgate").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
    builder.environment().clear();
    builder.environment().putAll(environment());
    String name = "run-" + System.nanoTime();
    builder
        .redirectOutput(dir.resolve(name + ".out").toFile())
        .redirectError(dir.resolve(name + ".err").toFile());
    Process process = Tether.start(builder);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s returns", command).isTrue();
    return new Run(
        process.exitValue(),
        Files.readString(dir.resolve(name + ".out")),
        Files.readString(dir.resolve(name + ".err")));
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private boolean ready(Replica replica) {
    try {
      return get(replica.admin(), "/readyz").statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * A proxy of the examples' Gateway {@code default/edge}: asks for the listeners and clusters and
   * ACKs what it is sent, as Envoy does.
   */
  private void connectGatewayProxy(Replica replica, String nodeId) throws InterruptedException {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", replica.xds()).usePlaintext().build();
    channels.add(channel);
    BlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
    StreamObserver<DiscoveryRequest> requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DiscoveryResponse value) {
                    received.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    Node node =
        Node.newBuilder()
            .setId(nodeId)
            .setCluster("gateway/default/edge")
            .setMetadata(
                Struct.newBuilder()
                    .putFields(
                        ProxyGroups.GATEWAY, Value.newBuilder().setStringValue("edge").build()))
            .build();
    for (String typeUrl : List.of(TypeUrls.CLUSTER, TypeUrls.LISTENER)) {
      requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).build());
      DiscoveryResponse response = received.poll(30, TimeUnit.SECONDS);
      assertThat(response).as("a %s response to %s", typeUrl, nodeId).isNotNull();
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .setVersionInfo(response.getVersionInfo())
              .setResponseNonce(response.getNonce())
              .build());
    }
  }

  @Test
  void threeReplicasFromTheArchiveServeTheExamplesAndCheckProxyStatusAndMetricsShowTheEstate()
      throws Exception {
    // given: three replicas started from the archive, as step 3 starts them
    List<Replica> started = List.of(start("xds-1"), start("xds-2"), start("xds-3"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(started).as("ready (logs in %s)", dir).allMatch(this::ready));

    // when: the examples are applied with the archive's CLI, and two gateway proxies connect
    Run apply = meshgate("apply", "--wait", "-f", "examples/");
    assertThat(apply.exitCode()).as("apply: %s %s", apply.out(), apply.err()).isZero();
    connectGatewayProxy(started.get(0), "edge-1");
    connectGatewayProxy(started.get(1), "edge-2");

    // then: meshgate check passes, every line a ✓ ...
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Run check = meshgate("check");
              assertThat(check.exitCode()).as("check: %s %s", check.out(), check.err()).isZero();
              assertThat(check.out())
                  .contains("✓ etcd", "✓ kafka", "✓ applier", "✓ replicas: 3 replicas")
                  .doesNotContain("✗");
            });

    // ... proxy-status shows both proxies, on their replicas, SYNCED for what they asked ...
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Run status = meshgate("proxy-status");
              assertThat(status.exitCode())
                  .as("proxy-status: %s %s", status.out(), status.err())
                  .isZero();
              assertThat(status.out().lines())
                  .anySatisfy(
                      row ->
                          assertThat(row)
                              .contains("edge-1", "gateway/default/edge", "xds-1", "SYNCED")
                              .doesNotContain("STALE", "NACKED"))
                  .anySatisfy(
                      row ->
                          assertThat(row)
                              .contains("edge-2", "gateway/default/edge", "xds-2", "SYNCED")
                              .doesNotContain("STALE", "NACKED"));
            });

    // ... and each replica's /metrics counts the ACKs of its own proxy, none on the third
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> metrics = get(started.get(i).admin(), "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      String acks =
          metrics
              .body()
              .lines()
              .filter(
                  line ->
                      line.startsWith("meshgate_xds_acks_total{")
                          && line.contains("group=\"gateway/default/edge\""))
              .reduce("", (a, b) -> a + b + "\n");
      if (i < 2) {
        assertThat(acks).as("replica %d's ACK counters", i + 1).contains("Listener", "Cluster");
      } else {
        assertThat(acks).as("the third replica serves no proxy").isEmpty();
      }
      assertThat(metrics.body())
          .contains("meshgate_pipeline_builds_total", "jvm_memory_used_bytes");
    }
  }
}
