package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.meshgate.testkit.EtcdCluster;
import io.meshgate.testkit.KafkaBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * The CLI with Kafka or etcd gone, as a user meets it: one line naming what could not be reached
 * and where, exit 1, within {@code --timeout}, and no library log line unless {@code -v}. The
 * broker and the etcd member are real ones of testkit, started and then stopped.
 */
class UnreachableClusterIT {
  /** Only a hang guard: the commands are given --timeout 2s. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(60);

  @RegisterExtension static KafkaBroker kafka = KafkaBroker.embedded();
  @RegisterExtension static EtcdCluster etcd = EtcdCluster.of(1);

  private static String kafkaAddress;
  private static String etcdAddress;

  @TempDir static Path dir;

  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeAll
  static void stopKafkaAndEtcd() {
    CliRun keys = CliRun.run("seal-key", "create", "--out", dir.resolve("offline-keys").toString());
    assertThat(keys.exit()).as(keys.err()).isZero();
    kafkaAddress = kafka.bootstrapServers();
    etcdAddress = etcd.endpointList();
    kafka.stop();
    etcd.member(0).stop();
  }

  @BeforeEach
  void recordLogEvents() {
    logged.start();
    root().addAppender(logged);
  }

  @AfterEach
  void stopRecording() {
    root().detachAppender(logged);
    logged.stop();
  }

  @Test
  void applyWithKafkaStoppedPrintsOneLineNamingKafkaAndExitsOne() throws IOException {
    CliRun run = cli(Map.of(), "apply", "-f", backend().toString(), "--kafka", kafkaAddress);

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.out()).isEmpty();
    assertThat(lines(run.err()))
        .containsExactly(
            "meshgate: cannot reach Kafka at "
                + kafkaAddress
                + " within 2s (is it running? MESHGATE_KAFKA; a TLS listener needs the client's"
                + " security.protocol: MESHGATE_KAFKA_CONFIG)");
  }

  @Test
  void getWithEtcdStoppedPrintsOneLineNamingEtcdAndExitsOne() {
    CliRun run = cli(Map.of(), "get", "backend", "-A", "--etcd", etcdAddress);

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.out()).isEmpty();
    assertThat(lines(run.err()))
        .containsExactly(
            "meshgate: cannot reach etcd at "
                + etcdAddress
                + " within 2s (is it running? MESHGATE_ETCD)");
  }

  static Stream<List<String>> etcdCommands() {
    return Stream.of(
        List.of("status", "backend/api", "-n", "shop"),
        List.of("history", "backend/api", "-n", "shop"),
        List.of("diff", "backend/api", "-n", "shop", "--from", "1"),
        List.of("rollback", "backend/api", "-n", "shop", "--to-generation", "1"),
        List.of("seal-key", "create", "--publish", "--out", dir.resolve("keys").toString()),
        List.of(
            "token",
            "create",
            "--group",
            "gateway/default/edge",
            "--seal-key",
            dir.resolve("offline-keys/seal.key").toString()),
        List.of("mesh-ca", "status"));
  }

  @ParameterizedTest
  @MethodSource("etcdCommands")
  void everyCommandThatReadsEtcdSaysEtcdIsUnreachable(List<String> command) {
    CliRun run = cli(Map.of("MESHGATE_ETCD", etcdAddress), command.toArray(String[]::new));

    assertThat(run.exit()).as(run.err()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(lines(run.err()))
        .as(String.join(" ", command))
        .containsExactly(
            "meshgate: cannot reach etcd at "
                + etcdAddress
                + " within 2s (is it running? MESHGATE_ETCD)");
  }

  @Test
  void deleteWithKafkaStoppedSaysKafkaIsUnreachable() {
    CliRun run = cli(Map.of("MESHGATE_KAFKA", kafkaAddress), "delete", "backend/api", "-n", "shop");

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(lines(run.err()))
        .singleElement()
        .asString()
        .startsWith("meshgate: cannot reach Kafka at " + kafkaAddress + " within 2s");
  }

  @Test
  void theTimeoutComesFromMeshgateConnectTimeout() {
    CliRun run =
        CliRun.run(
            Map.of("MESHGATE_CONNECT_TIMEOUT", "1500ms", "MESHGATE_ETCD", etcdAddress),
            dir.resolve("no-config.yaml"),
            "get",
            "backend",
            "-A");

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.err()).contains("within 1500ms");
  }

  @Test
  void aPasswordInTheAddressIsRedacted() throws IOException {
    String withPassword = "http://meshgate:hunter2@127.0.0.1:" + closedPort();

    CliRun run = cli(Map.of(), "get", "backend", "-A", "--etcd", withPassword);

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.err())
        .contains("cannot reach etcd at http://meshgate:***@127.0.0.1:")
        .doesNotContain("hunter2");
  }

  @Test
  void noLibraryLogsWithoutVerbose() throws IOException {
    CliRun run = cli(Map.of(), "apply", "-f", backend().toString(), "--kafka", kafkaAddress);

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(logged.list)
        .extracting(ILoggingEvent::getLoggerName)
        .allMatch(name -> name.startsWith("io.meshgate."));
  }

  @Test
  void verboseShowsTheKafkaClientsLogs() throws IOException {
    CliRun run = cli(Map.of(), "apply", "-v", "-f", backend().toString(), "--kafka", kafkaAddress);

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(logged.list)
        .extracting(ILoggingEvent::getLoggerName)
        .anyMatch(name -> name.startsWith("org.apache.kafka."));
  }

  /** Runs the CLI with --timeout 2s, failing the test if it has not returned within the guard. */
  private static CliRun cli(Map<String, String> environment, String... args) {
    String[] withTimeout =
        Stream.concat(Stream.of(args), Stream.of("--timeout", "2s")).toArray(String[]::new);
    CompletableFuture<CliRun> running =
        CompletableFuture.supplyAsync(
            () -> CliRun.run(environment, dir.resolve("no-config.yaml"), withTimeout));
    await().atMost(HANG_GUARD).until(running::isDone);
    return running.join();
  }

  private static List<String> lines(String text) {
    return text.lines().toList();
  }

  private static Path backend() throws IOException {
    Path file = dir.resolve("backend.yaml");
    Files.writeString(
        file,
        "apiVersion: meshgate.io/v1alpha1\nkind: Backend\nmetadata: {name: api, namespace: shop}\n"
            + "spec: {dns: {hostname: api.example.com, port: 80}}\n");
    return file;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
