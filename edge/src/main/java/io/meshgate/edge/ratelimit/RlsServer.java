package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.meshgate.edge.ServiceHealth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The rate limit service on its own gRPC server, as Envoy's {@code rate_limit_service} cluster
 * reaches it: {@code MESHGATE_RLS_ADDR} (default {@value #DEFAULT_ADDRESS}; loopback, since the
 * gateway's Envoy runs beside it). Plaintext: TLS towards Envoy comes with the node wiring.
 */
public final class RlsServer implements AutoCloseable {
  public static final String ADDRESS_ENV = "MESHGATE_RLS_ADDR";
  public static final String DEFAULT_ADDRESS = "127.0.0.1:18081";

  private final Server server;

  private RlsServer(Server server) {
    this.server = server;
  }

  /** Serves {@code service} on {@code address} (port 0 picks a free one). */
  public static RlsServer start(InetSocketAddress address, BindableService service) {
    return start(address, service, () -> true);
  }

  /**
   * Serves {@code service} and its health ({@code grpc.health.v1.Health/Check}: SERVING while
   * {@code healthy} says so, under the service's name and the empty name) on {@code address}.
   */
  public static RlsServer start(
      InetSocketAddress address, BindableService service, BooleanSupplier healthy) {
    requireNonNull(address, "address");
    requireNonNull(healthy, "healthy");
    ServiceHealth health =
        new ServiceHealth(Map.of("", healthy, RateLimitServiceGrpc.SERVICE_NAME, healthy));
    Server server =
        NettyServerBuilder.forAddress(address).addService(service).addService(health).build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve the rate limit service on " + address, e);
    }
    return new RlsServer(server);
  }

  /** {@code host:port}, as {@code MESHGATE_RLS_ADDR} takes it. */
  public static InetSocketAddress parseAddress(String hostPort) {
    requireNonNull(hostPort, "hostPort");
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException(
          ADDRESS_ENV + ": '" + hostPort + "' (expected: host:port, like " + DEFAULT_ADDRESS + ")");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          ADDRESS_ENV + ": port '" + hostPort.substring(colon + 1) + "' (expected: 0..65535)");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(ADDRESS_ENV + ": port " + port + " (expected: 0..65535)");
    }
    return new InetSocketAddress(host, port);
  }

  /** The port it listens on (the chosen one when started on port 0). */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
  }
}
