package io.meshgate.edge;

import static java.util.Objects.requireNonNull;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One edge service on its own gRPC server, with its health ({@code grpc.health.v1.Health/Check},
 * under the service's name and the empty name): how the rate limit, signature and body
 * transformation services are served. Plaintext; the addresses are loopback by default, since the
 * gateway's Envoy runs beside the node.
 */
public final class EdgeServer implements AutoCloseable {
  private final Server server;

  private EdgeServer(Server server) {
    this.server = server;
  }

  /**
   * Serves {@code service} on {@code address} (port 0 picks a free one).
   *
   * @param what the service in words, for the error when the address is taken
   * @param healthy whether the service can answer now (its dependency is up)
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static EdgeServer start(
      String what,
      InetSocketAddress address,
      ServerServiceDefinition service,
      BooleanSupplier healthy) {
    requireNonNull(address, "address");
    requireNonNull(healthy, "healthy");
    String name = service.getServiceDescriptor().getName();
    Server server =
        NettyServerBuilder.forAddress(address)
            .addService(service)
            .addService(new ServiceHealth(Map.of("", healthy, name, healthy)))
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve " + what + " on " + address, e);
    }
    return new EdgeServer(server);
  }

  /**
   * {@code host:port} ({@code [v6]:port} too) as the setting {@code env} takes it.
   *
   * @throws IllegalArgumentException naming the setting, the value and what it expects
   */
  public static InetSocketAddress parseAddress(String env, String defaultAddress, String hostPort) {
    requireNonNull(hostPort, "hostPort");
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException(
          env + ": '" + hostPort + "' (expected: host:port, like " + defaultAddress + ")");
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
          env + ": port '" + hostPort.substring(colon + 1) + "' (expected: 0..65535)");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(env + ": port " + port + " (expected: 0..65535)");
    }
    return new InetSocketAddress(host, port);
  }

  /** The port it listens on (the chosen one when started on port 0). */
  public int port() {
    return server.getPort();
  }

  /** Whether it has stopped: its port is closed and no call is running. */
  public boolean terminated() {
    return server.isTerminated();
  }

  /** Stops taking calls, waits up to 5 s for those running, then ends them. */
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
