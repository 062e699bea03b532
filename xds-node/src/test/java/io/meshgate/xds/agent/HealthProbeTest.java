package io.meshgate.xds.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.meshgate.config.model.HealthStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's checks against real servers, with Consul's meaning of the outcomes. */
class HealthProbeTest {
  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private HttpServer http;
  private Server grpc;

  @AfterEach
  void stop() {
    if (http != null) {
      http.stop(0);
    }
    if (grpc != null) {
      grpc.shutdownNow();
    }
  }

  private URI serve(AtomicInteger code) throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/health",
        exchange -> {
          byte[] body = ("status " + code.get()).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(code.get(), body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    http.start();
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/health");
  }

  @Test
  void httpTwoHundredsPassTooManyRequestsWarnsAndOtherCodesAreCritical() throws Exception {
    AtomicInteger code = new AtomicInteger(200);
    HealthProbe probe = HealthProbe.http(serve(code), Duration.ofSeconds(1), TIMEOUT);

    assertThat(probe.check().health()).isEqualTo(HealthStatus.PASSING);
    assertThat(probe.check().output()).contains("200 status 200");
    code.set(429);
    assertThat(probe.check().health()).isEqualTo(HealthStatus.WARNING);
    code.set(503);
    assertThat(probe.check().health()).isEqualTo(HealthStatus.CRITICAL);
    code.set(301);
    assertThat(probe.check().health()).isEqualTo(HealthStatus.CRITICAL);
  }

  @Test
  void httpWithNobodyListeningIsCritical() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    HealthProbe probe =
        HealthProbe.http(
            URI.create("http://127.0.0.1:" + closed + "/"), Duration.ofSeconds(1), TIMEOUT);

    HealthProbe.Result result = probe.check();

    assertThat(result.health()).isEqualTo(HealthStatus.CRITICAL);
    assertThat(result.output()).startsWith("HTTP GET http://127.0.0.1:" + closed);
  }

  @Test
  void tcpPassesWhileThePortAcceptsAndIsCriticalOnceItIsClosed() throws Exception {
    ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", socket.getLocalPort());
    HealthProbe probe = HealthProbe.tcp(target, Duration.ofSeconds(1), TIMEOUT);

    assertThat(probe.check().health()).isEqualTo(HealthStatus.PASSING);
    socket.close();
    assertThat(probe.check().health()).isEqualTo(HealthStatus.CRITICAL);
  }

  @Test
  void grpcPassesWhileServingAndIsCriticalOtherwise() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    grpc =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(health.getHealthService())
            .build()
            .start();
    HealthProbe probe =
        HealthProbe.grpc(
            new InetSocketAddress("127.0.0.1", grpc.getPort()), Duration.ofSeconds(1), TIMEOUT);

    health.setStatus("", ServingStatus.SERVING);
    assertThat(probe.check().health()).isEqualTo(HealthStatus.PASSING);
    health.setStatus("", ServingStatus.NOT_SERVING);
    HealthProbe.Result notServing = probe.check();
    assertThat(notServing.health()).isEqualTo(HealthStatus.CRITICAL);
    assertThat(notServing.output()).contains("NOT_SERVING");
  }

  @Test
  void aWorkloadWithoutACheckReportsTheHealthItStates() {
    var spec =
        new io.meshgate.config.model.WorkloadSpec(
            "10.0.0.1",
            java.util.List.of(new io.meshgate.config.model.WorkloadPort("http", 8080, null)),
            null,
            null,
            null,
            new io.meshgate.config.model.WorkloadHealth(HealthStatus.CRITICAL, null));

    assertThat(HealthProbe.of(spec).check().health()).isEqualTo(HealthStatus.CRITICAL);
  }
}
