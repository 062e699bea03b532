package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.embedded.Tether;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One {@code meshgate node} in its own JVM, started from the built jar as an operator would, on
 * fixed ports so that a restart comes back where its proxies look for it. It can be killed ({@code
 * SIGKILL}), paused ({@code SIGSTOP}) and resumed ({@code SIGCONT}); its log is appended to across
 * restarts.
 */
public final class Replica implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final String id;
  private final Path jar;
  private final Path log;
  private final Path kafkaConfig;
  private final String kafka;
  private final String etcdEndpoints;
  private final int xdsPort;
  private final int adminPort;
  private Process process;
  private boolean paused;

  public Replica(
      String id,
      Path jar,
      Path log,
      Path kafkaConfig,
      String kafka,
      String etcdEndpoints,
      int xdsPort,
      int adminPort) {
    this.id = requireNonNull(id, "id");
    this.jar = requireNonNull(jar, "jar");
    this.log = requireNonNull(log, "log");
    this.kafkaConfig = requireNonNull(kafkaConfig, "kafkaConfig");
    this.kafka = requireNonNull(kafka, "kafka");
    this.etcdEndpoints = requireNonNull(etcdEndpoints, "etcdEndpoints");
    this.xdsPort = xdsPort;
    this.adminPort = adminPort;
  }

  public String id() {
    return id;
  }

  public int xdsPort() {
    return xdsPort;
  }

  public int adminPort() {
    return adminPort;
  }

  public Path log() {
    return log;
  }

  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar.toString(),
                "node",
                "--replica-id",
                id,
                "--kafka",
                kafka,
                "--kafka-config",
                kafkaConfig.toString(),
                "--etcd",
                etcdEndpoints,
                "--xds-addr",
                "127.0.0.1:" + xdsPort,
                "--admin-addr",
                "127.0.0.1:" + adminPort,
                "--admin-grpc-addr",
                "off"));
    try {
      // tethered: a killed test or bin/chaos JVM leaves no replica behind
      process =
          Tether.start(
              new ProcessBuilder(command)
                  .redirectErrorStream(true)
                  .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())));
      paused = false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start replica " + id, e);
    }
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  public synchronized boolean isPaused() {
    return paused;
  }

  /** SIGKILL, and waits for the process to be gone. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    paused = false;
  }

  /** SIGSTOP: the process holds its sockets, leases and streams, and does nothing. */
  public synchronized void pause() {
    signal("STOP");
    paused = true;
  }

  /** SIGCONT. */
  public synchronized void resume() {
    signal("CONT");
    paused = false;
  }

  private void signal(String signal) {
    if (process == null || !process.isAlive()) {
      throw new IllegalStateException("replica " + id + " is not running");
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " of replica " + id + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** True when {@code /readyz} answers 200. */
  public boolean isReady() {
    return get("/readyz").map(r -> r.statusCode() == 200).orElse(false);
  }

  /** Every group this replica serves and its per-type versions; empty when it does not answer. */
  public Optional<Map<String, Map<String, String>>> groupVersions() {
    return get("/debug/snapshots")
        .filter(r -> r.statusCode() == 200)
        .map(
            r -> {
              Map<String, Map<String, String>> groups = new TreeMap<>();
              for (JsonNode group : json(r.body()).path("groups")) {
                Map<String, String> versions = new TreeMap<>();
                group
                    .path("versions")
                    .fields()
                    .forEachRemaining(e -> versions.put(e.getKey(), e.getValue().asText()));
                groups.put(group.path("name").asText(), versions);
              }
              return groups;
            });
  }

  /**
   * One group's resources as this replica serves them: type (its short name, e.g. {@code Cluster})
   * → resource name → version; empty when it does not answer or has no such group.
   */
  public Optional<Map<String, Map<String, String>>> groupResources(String group) {
    return get("/debug/snapshots?group="
            + java.net.URLEncoder.encode(group, StandardCharsets.UTF_8))
        .filter(r -> r.statusCode() == 200)
        .map(
            r -> {
              Map<String, Map<String, String>> types = new TreeMap<>();
              Iterator<Map.Entry<String, JsonNode>> it = json(r.body()).path("types").fields();
              while (it.hasNext()) {
                Map.Entry<String, JsonNode> type = it.next();
                Map<String, String> resources = new TreeMap<>();
                type.getValue()
                    .path("resources")
                    .fields()
                    .forEachRemaining(e -> resources.put(e.getKey(), e.getValue().asText()));
                types.put(type.getKey(), resources);
              }
              return types;
            });
  }

  private Optional<HttpResponse<String>> get(String path) {
    if (isPaused()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static JsonNode json(String body) {
    try {
      return Mappers.json().readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (process == null) {
      return;
    }
    if (paused) {
      resume();
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return id;
  }
}
