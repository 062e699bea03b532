package io.meshgate.edge.ratelimit;

import io.grpc.BindableService;
import io.meshgate.edge.EdgeServer;
import java.net.InetSocketAddress;
import java.util.function.BooleanSupplier;

/**
 * The rate limit service on its own gRPC server, as Envoy's {@code rate_limit_service} cluster
 * reaches it: {@code MESHGATE_RLS_ADDR} (default {@value #DEFAULT_ADDRESS}; loopback, since the
 * gateway's Envoy runs beside it). Plaintext: TLS towards Envoy is not built.
 */
public final class RlsServer implements AutoCloseable {
  public static final String ADDRESS_ENV = "MESHGATE_RLS_ADDR";
  public static final String DEFAULT_ADDRESS = "127.0.0.1:18081";

  private final EdgeServer server;

  private RlsServer(EdgeServer server) {
    this.server = server;
  }

  /** Serves {@code service} on {@code address} (port 0 picks a free one), always healthy. */
  public static RlsServer start(InetSocketAddress address, BindableService service) {
    return start(address, service, () -> true);
  }

  /**
   * Serves {@code service} and its health (SERVING while {@code healthy} says so: Redis is
   * connected) on {@code address}.
   */
  public static RlsServer start(
      InetSocketAddress address, BindableService service, BooleanSupplier healthy) {
    return new RlsServer(
        EdgeServer.start("the rate limit service", address, service.bindService(), healthy));
  }

  /** {@code host:port}, as {@code MESHGATE_RLS_ADDR} takes it. */
  public static InetSocketAddress parseAddress(String hostPort) {
    return EdgeServer.parseAddress(ADDRESS_ENV, DEFAULT_ADDRESS, hostPort);
  }

  /** The port it listens on (the chosen one when started on port 0). */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }
}
