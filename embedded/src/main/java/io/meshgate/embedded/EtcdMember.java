package io.meshgate.embedded;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One etcd process of a {@link LocalEtcd} cluster. It can be stopped (SIGTERM), killed (SIGKILL)
 * and started again on the same ports and data directory. It is {@link Tether tethered}: it dies
 * with the JVM that started it, even one killed with SIGKILL.
 */
public final class EtcdMember {
  private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\"\\s*:\\s*\"?(\\d+)");
  private static final Pattern LEADER = Pattern.compile("\"leader\"\\s*:\\s*\"?(\\d+)");
  private static final Pattern IS_LEADER_METRIC =
      Pattern.compile("(?m)^etcd_server_is_leader\\s+([01])");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final String name;
  private final String host;
  private final int clientPort;
  private final int peerPort;
  private final Path dataDir;
  private final Path binary;
  private final List<String> flags;
  private final Tls tls;
  private final int metricsPort;
  private List<String> initialCluster = List.of();
  private String clusterToken = "meshgate";
  private Process process;

  EtcdMember(
      String name,
      String host,
      int clientPort,
      int peerPort,
      Path dataDir,
      Path binary,
      List<String> flags,
      Tls tls) {
    this.name = requireNonNull(name, "name");
    this.host = requireNonNull(host, "host");
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.dataDir = requireNonNull(dataDir, "dataDir");
    this.binary = requireNonNull(binary, "binary");
    this.flags = List.copyOf(flags);
    this.tls = tls;
    this.metricsPort = tls == null ? 0 : FreePorts.pick();
  }

  /**
   * TLS towards clients: etcd's server certificate and key, and (optionally, may be null) the CA
   * whose client certificates it requires.
   */
  record Tls(Path certificate, Path privateKey, Path clientCa) {}

  void joinCluster(List<String> initialCluster, String clusterToken) {
    this.initialCluster = List.copyOf(initialCluster);
    this.clusterToken = clusterToken;
  }

  public String name() {
    return name;
  }

  /** {@code http://host:port} (or {@code https://} with TLS) clients connect to. */
  public URI clientUrl() {
    return URI.create((tls == null ? "http://" : "https://") + host + ":" + clientPort);
  }

  /** Where /health is probed: the client URL, or with TLS the plaintext metrics URL. */
  private URI probeUrl() {
    return tls == null ? clientUrl() : URI.create("http://" + host + ":" + metricsPort);
  }

  String peerUrl() {
    return "http://" + host + ":" + peerPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Starts the process (no-op if it runs); does not wait for health, see {@link #awaitHealthy}. */
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    try {
      Files.createDirectories(dataDir);
      List<String> command = new ArrayList<>();
      command.add(binary.toString());
      command.addAll(
          List.of(
              "--name", name,
              "--data-dir", dataDir.resolve("data").toString(),
              "--listen-client-urls", clientUrl().toString(),
              "--advertise-client-urls", clientUrl().toString(),
              "--listen-peer-urls", peerUrl(),
              "--initial-advertise-peer-urls", peerUrl(),
              "--initial-cluster", String.join(",", initialCluster),
              "--initial-cluster-state", "new",
              "--initial-cluster-token", clusterToken,
              "--logger", "zap",
              "--log-level", "warn"));
      if (tls != null) {
        command.addAll(
            List.of(
                "--cert-file", tls.certificate().toString(),
                "--key-file", tls.privateKey().toString(),
                "--listen-metrics-urls", probeUrl().toString()));
        if (tls.clientCa() != null) {
          command.addAll(
              List.of("--trusted-ca-file", tls.clientCa().toString(), "--client-cert-auth"));
        }
      }
      command.addAll(flags);
      // Tethered: a JVM killed with SIGKILL takes its members with it (see Tether).
      process =
          Tether.start(
              new ProcessBuilder(command)
                  .redirectErrorStream(true)
                  .redirectOutput(
                      ProcessBuilder.Redirect.appendTo(dataDir.resolve("etcd.log").toFile())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start etcd member " + name, e);
    }
  }

  /** SIGTERM, then waits for the process to end. */
  public synchronized void stop() {
    end(false);
  }

  /** SIGKILL: the member dies without a chance to flush or hand over leadership. */
  public synchronized void kill() {
    end(true);
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The etcd process's pid while it runs; empty when it does not. */
  public synchronized OptionalLong pid() {
    return isRunning() ? OptionalLong.of(process.pid()) : OptionalLong.empty();
  }

  /** True when the member answers {@code /health} with {@code "health":"true"}. */
  public boolean isHealthy() {
    return get("/health").map(body -> body.contains("\"health\":\"true\"")).orElse(false);
  }

  /** Waits until the member reports itself healthy, or fails with the tail of its log. */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!isRunning()) {
        throw new IllegalStateException("etcd member " + name + " exited: " + logTail());
      }
      if (isHealthy()) {
        return;
      }
      pause();
    }
    throw new IllegalStateException(
        "etcd member " + name + " not healthy after " + timeout + ": " + logTail());
  }

  /** Whether this member is the Raft leader, as it reports itself; empty if it does not answer. */
  public Optional<Boolean> isLeader() {
    if (tls != null) {
      // The client URL wants a client certificate; the plaintext metrics URL says it too.
      return get("/metrics")
          .flatMap(
              body -> {
                Matcher gauge = IS_LEADER_METRIC.matcher(body);
                return gauge.find() ? Optional.of(gauge.group(1).equals("1")) : Optional.empty();
              });
    }
    return post("/v3/maintenance/status", "{}")
        .flatMap(
            body -> {
              Matcher member = MEMBER_ID.matcher(body);
              Matcher leader = LEADER.matcher(body);
              if (!member.find() || !leader.find()) {
                return Optional.empty();
              }
              return Optional.of(member.group(1).equals(leader.group(1)));
            });
  }

  private void end(boolean forcibly) {
    if (process == null) {
      return;
    }
    if (forcibly) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      process = null;
    }
  }

  private Optional<String> get(String path) {
    return send(HttpRequest.newBuilder(probeUrl().resolve(path)).GET());
  }

  private Optional<String> post(String path, String body) {
    return send(
        HttpRequest.newBuilder(clientUrl().resolve(path))
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private Optional<String> send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              request.timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("etcd.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for etcd", e);
    }
  }

  @Override
  public String toString() {
    return name + "@" + clientUrl();
  }
}
