package io.meshgate.edge.signature;

import io.grpc.BindableService;
import io.meshgate.edge.EdgeServer;
import java.net.InetSocketAddress;

/**
 * The HMAC signature service on its own gRPC server, as Envoy's {@code meshgate/authz} cluster
 * reaches it: {@code MESHGATE_AUTHZ_ADDR} (default {@value #DEFAULT_ADDRESS}; loopback, since the
 * gateway's Envoy runs beside it; {@code off} turns it off). Plaintext on loopback.
 */
public final class AuthzServer implements AutoCloseable {
  public static final String ADDRESS_ENV = "MESHGATE_AUTHZ_ADDR";
  public static final String DEFAULT_ADDRESS = "127.0.0.1:18082";

  private final EdgeServer server;

  private AuthzServer(EdgeServer server) {
    this.server = server;
  }

  /**
   * Serves {@code service} and its health on {@code address} (port 0 picks a free one). It is
   * SERVING while it runs: a signature is checked in memory, and a policy's nonces meet its failure
   * mode when Redis is down.
   */
  public static AuthzServer start(InetSocketAddress address, BindableService service) {
    return new AuthzServer(
        EdgeServer.start("the HMAC signature service", address, service.bindService(), () -> true));
  }

  /** {@code host:port}, as {@code MESHGATE_AUTHZ_ADDR} takes it. */
  public static InetSocketAddress parseAddress(String hostPort) {
    return EdgeServer.parseAddress(ADDRESS_ENV, DEFAULT_ADDRESS, hostPort);
  }

  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }
}
