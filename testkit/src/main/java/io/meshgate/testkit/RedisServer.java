package io.meshgate.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.meshgate.embedded.FreePorts;
import io.meshgate.embedded.Tether;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis for a test class: {@code @RegisterExtension static RedisServer redis =
 * RedisServer.local();}
 *
 * <p>Starts Debian's {@code redis-server} (or {@code MESHGATE_REDIS_BIN}) on a free loopback port
 * in a temporary directory, with no persistence ({@code --save '' --appendonly no}): a killed
 * server comes back empty, as a crashed cache would. It can be killed (SIGKILL) and started again
 * on the same port. A missing binary fails with the install command. The process is {@link Tether
 * tethered}: it dies with the test JVM, even one killed with SIGKILL.
 */
public final class RedisServer implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  /** The command that installs the binary on Debian and Ubuntu. */
  public static final String INSTALL_COMMAND = "sudo apt-get install -y redis-server";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

  private final int port;
  private final Path binary;
  private final List<String> extraArguments;
  private final Tls tls;
  private Path dir;
  private Process process;

  private RedisServer(int port, Path binary, List<String> extraArguments, Tls tls) {
    this.port = port;
    this.binary = binary;
    this.extraArguments = List.copyOf(extraArguments);
    this.tls = tls;
  }

  /** TLS only (no plaintext port): the server's certificate and key, and the CA clients trust. */
  private record Tls(Path certificate, Path privateKey, Path caCertificate) {}

  /** A server on a free loopback port, started by the extension or {@link #start()}. */
  public static RedisServer local() {
    return new RedisServer(FreePorts.pick(), findBinary(), List.of(), null);
  }

  /**
   * A server that speaks TLS only, on its port, with this certificate and key (PEM; {@link
   * TestPki#server} issues them); clients need no certificate. {@link #uri()} is {@code rediss://}.
   */
  public static RedisServer localTls(Path certificate, Path privateKey, Path caCertificate) {
    return new RedisServer(
        FreePorts.pick(), findBinary(), List.of(), new Tls(certificate, privateKey, caCertificate));
  }

  /**
   * A server with more {@code redis-server} arguments, one token each, e.g. {@code "--requirepass",
   * "secret"} or {@code "--user", "limiter", "on", ">secret", "~meshgate:*", "+@all"}.
   */
  public static RedisServer local(String... extraArguments) {
    return new RedisServer(FreePorts.pick(), findBinary(), List.of(extraArguments), null);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Starts the process (no-op if it runs) and waits until it answers PING. */
  public synchronized RedisServer start() {
    if (isRunning()) {
      return this;
    }
    try {
      if (dir == null) {
        dir = Files.createTempDirectory("meshgate-redis");
      }
      List<String> command = new ArrayList<>();
      command.addAll(
          List.of(
              binary.toString(),
              "--port",
              Integer.toString(port),
              "--bind",
              "127.0.0.1",
              "--save",
              "",
              "--appendonly",
              "no",
              "--dir",
              dir.toString(),
              "--loglevel",
              "warning"));
      if (tls != null) {
        command.addAll(
            List.of(
                "--port",
                "0",
                "--tls-port",
                Integer.toString(port),
                "--tls-cert-file",
                tls.certificate().toString(),
                "--tls-key-file",
                tls.privateKey().toString(),
                "--tls-ca-cert-file",
                tls.caCertificate().toString(),
                "--tls-auth-clients",
                "no"));
      }
      command.addAll(extraArguments);
      // Tethered: a test JVM killed with SIGKILL takes its redis with it (see Tether).
      process =
          Tether.start(
              new ProcessBuilder(command)
                  .redirectErrorStream(true)
                  .redirectOutput(
                      ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start redis-server", e);
    }
    awaitReady();
    return this;
  }

  /** SIGKILL: the server dies at once, its counters with it (no persistence). */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server did not die within 10 s of SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for redis-server to die", e);
    }
    process = null;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The redis-server process's pid while it runs; empty when it does not. */
  public synchronized OptionalLong pid() {
    return isRunning() ? OptionalLong.of(process.pid()) : OptionalLong.empty();
  }

  public int port() {
    return port;
  }

  /**
   * {@code redis://127.0.0.1:port} ({@code rediss://} with TLS), as {@code MESHGATE_REDIS} takes
   * it.
   */
  public String uri() {
    return (tls == null ? "redis://" : "rediss://") + "127.0.0.1:" + port;
  }

  /**
   * True when the server answers PING: with PONG, or asking for a password first. With TLS, true
   * when it accepts connections (the probe speaks no TLS).
   */
  public boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      if (tls != null) {
        return true;
      }
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("*1\r\n$4\r\nPING\r\n".getBytes(UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      String reply = new String(in.readNBytes(7), UTF_8);
      return reply.equals("+PONG\r\n") || reply.startsWith("-NOAUTH");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public synchronized void close() {
    kill();
    if (dir != null) {
      deleteRecursively(dir);
      dir = null;
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited: " + logTail());
      }
      if (answersPing()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for redis-server", e);
      }
    }
    throw new IllegalStateException(
        "redis-server not answering PING after " + READY_TIMEOUT + ": " + logTail());
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("redis.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * The binary: {@code MESHGATE_REDIS_BIN}, else {@code redis-server} on the PATH, else Debian's
   * {@code /usr/bin/redis-server}.
   */
  static Path findBinary() {
    String configured = System.getenv("MESHGATE_REDIS_BIN");
    if (configured != null && !configured.isBlank()) {
      Path path = Path.of(configured);
      if (!Files.isExecutable(path)) {
        throw new IllegalStateException("MESHGATE_REDIS_BIN=" + configured + " is not executable");
      }
      return path;
    }
    String pathVariable = System.getenv("PATH");
    if (pathVariable != null) {
      for (String directory : pathVariable.split(":")) {
        if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, "redis-server"))) {
          return Path.of(directory, "redis-server");
        }
      }
    }
    Path debian = Path.of("/usr/bin/redis-server");
    if (Files.isExecutable(debian)) {
      return debian;
    }
    throw new IllegalStateException(
        "redis-server not found on PATH; install it with: " + INSTALL_COMMAND);
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException e) {
                  // A temp file a dying process still holds; leaving it is harmless.
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
