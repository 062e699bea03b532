package io.meshgate.xds.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.meshgate.embedded.FreePorts;
import io.meshgate.embedded.Tether;
import io.meshgate.xds.serve.ProxyGroups;
import io.meshgate.xds.snapshot.TypeUrls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar target/meshgate.jar standalone} as a user runs it (Failsafe runs after
 * packaging), killed with SIGKILL and started again on the same data directory and ports: its etcd
 * dies with it (it is tethered, see {@code io.meshgate.embedded.Tether}), nothing it leaves behind
 * (Kafka's and etcd's directory locks, sockets in TIME_WAIT, a Kafka partition created but never
 * written) stops the second start, and the second start serves the examples the first one applied.
 */
class StandaloneKilledIT {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  @TempDir Path dir;

  private final int kafkaPort = FreePorts.pick();
  private final int kafkaControllerPort = FreePorts.pick();
  private final int etcdPort = FreePorts.pick();
  private final int etcdPeerPort = FreePorts.pick();
  private final int xdsPort = FreePorts.pick();
  private final int adminPort = FreePorts.pick();

  @Test
  void startsAgainAfterKill9AndServesWhatItHad() throws Exception {
    Path firstLog = dir.resolve("first.log");
    Path secondLog = dir.resolve("second.log");
    Process first = start(firstLog);
    Process second = null;
    List<ProcessHandle> etcd = new ArrayList<>();
    try {
      // given: a standalone meshgate serving the examples
      awaitServingTheExamples(first, firstLog);
      etcd.addAll(
          first
              .children()
              .filter(child -> child.info().command().orElse("").endsWith("etcd"))
              .toList());
      assertThat(etcd).as("its etcd process").hasSize(1);

      // when: it is killed with SIGKILL, so no shutdown hook stops anything
      first.destroyForcibly();
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(first.exitValue()).isEqualTo(137);

      // then: its etcd dies with it ...
      await().atMost(Duration.ofSeconds(10)).until(() -> !etcd.get(0).isAlive());

      // ... and it starts again on the same data directory and ports, serving what it had
      second = start(secondLog);
      awaitServingTheExamples(second, secondLog);
      assertThat(Files.readString(firstLog)).contains("created the first mesh CA root");
      assertThat(Files.readString(secondLog))
          .as("etcd kept the first start's state: the mesh CA root is not created again")
          .doesNotContain("created the first mesh CA root");
    } finally {
      first.destroyForcibly();
      etcd.forEach(ProcessHandle::destroyForcibly);
      if (second != null) {
        second.destroy();
        if (!second.waitFor(60, TimeUnit.SECONDS)) {
          second.destroyForcibly();
        }
      }
    }
  }

  private Process start(Path log) throws Exception {
    return Tether.start(
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                "target/meshgate.jar",
                "standalone",
                "--data-dir",
                dir.resolve("data").toString(),
                "--kafka-port",
                Integer.toString(kafkaPort),
                "--kafka-controller-port",
                Integer.toString(kafkaControllerPort),
                "--etcd-port",
                Integer.toString(etcdPort),
                "--etcd-peer-port",
                Integer.toString(etcdPeerPort),
                "--xds-port",
                Integer.toString(xdsPort),
                "--admin-port",
                Integer.toString(adminPort))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile()));
  }

  /** Ready on /readyz, past its start-up (the examples published), and serving them over ADS. */
  private void awaitServingTheExamples(Process standalone, Path log) throws IOException {
    try {
      await()
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(500))
          .failFast("the standalone process exited", () -> !standalone.isAlive())
          .until(
              () ->
                  Files.readString(log).contains("meshgate standalone is running")
                      && ready()
                      && proxylessListeners().contains("echo.default"));
    } catch (ConditionTimeoutException | TerminalFailureException e) {
      throw new AssertionError(e.getMessage() + "; its output ends with:\n" + tail(log), e);
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  private boolean ready() {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The listener names a proxyless client is sent on a fresh ADS stream (empty if none yet). */
  private Set<String> proxylessListeners() throws InterruptedException {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext().build();
    try {
      BlockingQueue<DiscoveryResponse> received = new LinkedBlockingQueue<>();
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse response) {
                      received.add(response);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(
                  Node.newBuilder()
                      .setId("standalone-killed-it")
                      .setMetadata(
                          Struct.newBuilder()
                              .putFields(
                                  ProxyGroups.PROXYLESS,
                                  Value.newBuilder().setStringValue("true").build())))
              .setTypeUrl(TypeUrls.LISTENER)
              .build());
      DiscoveryResponse response = received.poll(5, TimeUnit.SECONDS);
      requests.onCompleted();
      if (response == null) {
        return Set.of();
      }
      return response.getResourcesList().stream()
          .map(StandaloneKilledIT::listenerName)
          .collect(Collectors.toSet());
    } finally {
      channel.shutdownNow();
    }
  }

  private static String listenerName(Any resource) {
    try {
      return resource.unpack(Listener.class).getName();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("not a Listener: " + resource.getTypeUrl(), e);
    }
  }
}
