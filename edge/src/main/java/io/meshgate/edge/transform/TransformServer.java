package io.meshgate.edge.transform;

import io.meshgate.edge.EdgeServer;
import java.net.InetSocketAddress;

/**
 * The body transformation service on its own gRPC server, where Envoy's {@code meshgate/extproc}
 * cluster reaches it: {@code MESHGATE_EXTPROC_ADDR} (default {@value #DEFAULT_ADDRESS}; loopback,
 * since the gateway's Envoy runs beside it). Plaintext.
 */
public final class TransformServer implements AutoCloseable {
  public static final String ADDRESS_ENV = "MESHGATE_EXTPROC_ADDR";
  public static final String DEFAULT_ADDRESS = "127.0.0.1:18083";

  private final EdgeServer server;

  private TransformServer(EdgeServer server) {
    this.server = server;
  }

  /**
   * Serves {@code service} and its health on {@code address} (port 0 picks a free one); SERVING
   * while it runs, since it depends on nothing outside the process.
   */
  public static TransformServer start(InetSocketAddress address, TransformService service) {
    return new TransformServer(
        EdgeServer.start(
            "the body transformation service", address, service.definition(), () -> true));
  }

  /** {@code host:port}, as {@code MESHGATE_EXTPROC_ADDR} takes it. */
  public static InetSocketAddress parseAddress(String hostPort) {
    return EdgeServer.parseAddress(ADDRESS_ENV, DEFAULT_ADDRESS, hostPort);
  }

  /** The port it listens on (the chosen one when started on port 0). */
  public int port() {
    return server.port();
  }

  /** Whether it has stopped: its port is closed and no call is running. */
  public boolean terminated() {
    return server.terminated();
  }

  @Override
  public void close() {
    server.close();
  }
}
