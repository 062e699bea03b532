package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped artifact ({@code java -jar target/meshgate.jar}, with its own logging configuration)
 * against Kafka and etcd addresses where nothing listens: what the terminal shows.
 */
class UnreachableProcessIT {
  /** Only a hang guard: the commands are given --timeout 2s. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(60);

  @TempDir Path dir;

  record Ran(int exit, String out, List<String> err) {}

  @Test
  void applyToAClosedKafkaPortShowsOnlyTheOneLine() throws Exception {
    String kafka = "127.0.0.1:" + closedPort();

    Ran ran = meshgate("apply", "-f", "../deploy/examples/", "--kafka", kafka, "--timeout", "2s");

    assertThat(ran.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(ran.out()).isEmpty();
    assertThat(ran.err())
        .singleElement()
        .asString()
        .startsWith("meshgate: cannot reach Kafka at " + kafka + " within 2s (is it running?");
  }

  @Test
  void getFromAClosedEtcdPortShowsOnlyTheOneLine() throws Exception {
    String etcd = "http://127.0.0.1:" + closedPort();

    Ran ran = meshgate("get", "backend", "-A", "--etcd", etcd, "--timeout", "2s");

    assertThat(ran.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(ran.out()).isEmpty();
    assertThat(ran.err())
        .containsExactly(
            "meshgate: cannot reach etcd at " + etcd + " within 2s (is it running? MESHGATE_ETCD)");
  }

  @Test
  void verboseShowsTheKafkaClientsWarnings() throws Exception {
    String kafka = "127.0.0.1:" + closedPort();

    Ran ran =
        meshgate("apply", "-v", "-f", "../deploy/examples/", "--kafka", kafka, "--timeout", "2s");

    assertThat(ran.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(ran.err()).anyMatch(line -> line.contains("WARN") && line.contains("o.a.k."));
    assertThat(ran.err().get(ran.err().size() - 1)).startsWith("meshgate: cannot reach Kafka");
  }

  private Ran meshgate(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add("target/meshgate.jar");
    command.addAll(List.of(args));
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().remove("MESHGATE_KAFKA");
    builder.environment().remove("MESHGATE_ETCD");
    builder.environment().remove("MESHGATE_CONNECT_TIMEOUT");
    Process process = builder.start();
    try {
      await().atMost(HANG_GUARD).until(() -> !process.isAlive());
      return new Ran(
          process.exitValue(), Files.readString(out), Files.readString(err).lines().toList());
    } finally {
      process.destroyForcibly();
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
