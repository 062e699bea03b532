package io.meshgate.xds.agent;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.meshgate.config.model.Durations;
import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.WorkloadCheck;
import io.meshgate.config.model.WorkloadHealth;
import io.meshgate.config.model.WorkloadPort;
import io.meshgate.config.model.WorkloadSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The check a Workload asks its agent to run, with Consul's meaning of the outcomes: an HTTP answer
 * 2xx is passing, 429 warning, anything else (or none within the timeout) critical; a TCP port that
 * accepts a connection is passing; a gRPC server that answers {@code grpc.health.v1} SERVING is
 * passing. A Workload without a check reports the health its spec states.
 */
public interface HealthProbe {
  /** The default time between two checks. */
  Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  /** The default time a check may take. */
  Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  /** The most of an HTTP answer's body kept as output. */
  int MAX_OUTPUT = 256;

  /** One check's outcome; {@code output} says what was seen, for operators. */
  record Result(HealthStatus health, String output) {
    public Result {
      requireNonNull(health, "health");
      requireNonNull(output, "output");
    }
  }

  Result check();

  /** The time between two checks. */
  Duration interval();

  /** The probe a Workload's spec asks for. */
  static HealthProbe of(WorkloadSpec spec) {
    WorkloadHealth health = spec.health();
    if (health == null || health.check() == null) {
      HealthStatus stated = health == null ? HealthStatus.PASSING : health.status();
      return fixed(new Result(stated, "no check; the Workload states " + stated));
    }
    WorkloadCheck check = health.check();
    WorkloadPort port =
        check.port() == null
            ? spec.ports().get(0)
            : spec.ports().stream()
                .filter(p -> p.name().equals(check.port()))
                .findFirst()
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "spec.health.check.port: '"
                                + check.port()
                                + "' (expected: one of the Workload's port names)"));
    Duration interval =
        check.interval() == null ? DEFAULT_INTERVAL : Durations.parse(check.interval());
    Duration timeout = check.timeout() == null ? DEFAULT_TIMEOUT : Durations.parse(check.timeout());
    InetSocketAddress target = new InetSocketAddress(spec.address(), port.port());
    switch (check.type()) {
      case HTTP:
        return http(
            URI.create(
                "http://"
                    + hostPort(spec.address(), port.port())
                    + (check.path() == null ? "/" : check.path())),
            interval,
            timeout);
      case GRPC:
        return grpc(target, interval, timeout);
      default:
        return tcp(target, interval, timeout);
    }
  }

  /** Always the same outcome, checked once a minute (nothing changes it but a new registration). */
  static HealthProbe fixed(Result result) {
    return new HealthProbe() {
      @Override
      public Result check() {
        return result;
      }

      @Override
      public Duration interval() {
        return Duration.ofMinutes(1);
      }
    };
  }

  /** GET {@code uri}: 2xx passing, 429 warning, anything else critical. */
  static HealthProbe http(URI uri, Duration interval, Duration timeout) {
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return new HealthProbe() {
      @Override
      public Result check() {
        try {
          HttpResponse<InputStream> response =
              client.send(
                  HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                  HttpResponse.BodyHandlers.ofInputStream());
          String body;
          try (InputStream in = response.body()) {
            body = new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8);
          }
          int code = response.statusCode();
          HealthStatus health =
              code >= 200 && code < 300
                  ? HealthStatus.PASSING
                  : code == 429 ? HealthStatus.WARNING : HealthStatus.CRITICAL;
          return new Result(health, "HTTP GET " + uri + ": " + code + " " + body.strip());
        } catch (IOException e) {
          return new Result(HealthStatus.CRITICAL, "HTTP GET " + uri + ": " + describe(e));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return new Result(HealthStatus.CRITICAL, "HTTP GET " + uri + ": interrupted");
        }
      }

      @Override
      public Duration interval() {
        return interval;
      }
    };
  }

  /** Connects to {@code target}: accepted within the timeout is passing. */
  static HealthProbe tcp(InetSocketAddress target, Duration interval, Duration timeout) {
    return new HealthProbe() {
      @Override
      public Result check() {
        try (Socket socket = new Socket()) {
          socket.connect(
              new InetSocketAddress(target.getHostString(), target.getPort()),
              (int) timeout.toMillis());
          return new Result(HealthStatus.PASSING, "TCP connect " + hostPort(target) + ": success");
        } catch (IOException e) {
          return new Result(
              HealthStatus.CRITICAL, "TCP connect " + hostPort(target) + ": " + describe(e));
        }
      }

      @Override
      public Duration interval() {
        return interval;
      }
    };
  }

  /** Asks {@code grpc.health.v1.Health/Check} for the server as a whole: SERVING is passing. */
  static HealthProbe grpc(InetSocketAddress target, Duration interval, Duration timeout) {
    return new HealthProbe() {
      @Override
      public Result check() {
        ManagedChannel channel =
            NettyChannelBuilder.forAddress(target.getHostString(), target.getPort())
                .usePlaintext()
                .build();
        try {
          HealthCheckResponse response =
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                  .check(HealthCheckRequest.getDefaultInstance());
          HealthCheckResponse.ServingStatus status = response.getStatus();
          return new Result(
              status == HealthCheckResponse.ServingStatus.SERVING
                  ? HealthStatus.PASSING
                  : HealthStatus.CRITICAL,
              "gRPC health " + hostPort(target) + ": " + status);
        } catch (StatusRuntimeException e) {
          return new Result(
              HealthStatus.CRITICAL, "gRPC health " + hostPort(target) + ": " + e.getStatus());
        } finally {
          channel.shutdownNow();
        }
      }

      @Override
      public Duration interval() {
        return interval;
      }
    };
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static String hostPort(InetSocketAddress address) {
    return hostPort(address.getHostString(), address.getPort());
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
