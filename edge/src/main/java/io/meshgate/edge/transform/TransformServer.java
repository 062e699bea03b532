package io.meshgate.edge.transform;

import static java.util.Objects.requireNonNull;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The body transformation service on its own gRPC server, where Envoy's {@code meshgate/extproc}
 * cluster reaches it: {@code MESHGATE_EXTPROC_ADDR} (default {@value #DEFAULT_ADDRESS}; loopback,
 * since the gateway's Envoy runs beside it). Plaintext.
 */
public final class TransformServer implements AutoCloseable {
  public static final String ADDRESS_ENV = "MESHGATE_EXTPROC_ADDR";
  public static final String DEFAULT_ADDRESS = "127.0.0.1:18083";

  private final Server server;

  private TransformServer(Server server) {
    this.server = server;
  }

  /** Serves {@code service} on {@code address} (port 0 picks a free one). */
  public static TransformServer start(InetSocketAddress address, TransformService service) {
    requireNonNull(address, "address");
    Server server = NettyServerBuilder.forAddress(address).addService(service.definition()).build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve the body transformation service on " + address, e);
    }
    return new TransformServer(server);
  }

  /** {@code host:port}, as {@code MESHGATE_EXTPROC_ADDR} takes it. */
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

  /** Whether it has stopped: its port is closed and no call is running. */
  public boolean terminated() {
    return server.isTerminated();
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
