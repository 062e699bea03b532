package io.meshgate.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a loopback port in front of one target, whose link a test can break the ways a
 * network does, in both directions at once:
 *
 * <ul>
 *   <li>{@link Mode#PASS}: bytes flow;
 *   <li>{@link Mode#PAUSE}: a partition that TCP rides out — bytes are held, none lost, and flow on
 *       when the mode changes back; new connections are accepted and wait;
 *   <li>{@link Mode#BLACKHOLE}: a partition that outlasts TCP's patience — every byte in either
 *       direction is read and dropped, on open and new connections alike, so neither side hears
 *       anything (only a keepalive or a timeout notices);
 *   <li>{@link Mode#RESET}: every open connection is closed with a TCP RST, and new ones are reset
 *       at once.
 * </ul>
 *
 * <p>{@link #delay(Duration)} adds latency to every chunk while passing. One thread per direction
 * per connection: meant for tens of connections, not thousands. Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {
  /** How the link behaves now. */
  public enum Mode {
    PASS,
    PAUSE,
    BLACKHOLE,
    RESET
  }

  private final String name;
  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final Object gate = new Object();
  private final AtomicLong connections = new AtomicLong();
  private volatile Mode mode = Mode.PASS;
  private volatile long delayNanos;
  private volatile boolean closed;

  private FaultProxy(String name, InetSocketAddress target, int port) {
    this.name = requireNonNull(name, "name");
    this.target = requireNonNull(target, "target");
    try {
      this.server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    } catch (IOException e) {
      throw new UncheckedIOException("fault proxy " + name + " cannot listen", e);
    }
    Thread acceptor = new Thread(this::accept, "fault-proxy-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy on a free loopback port in front of {@code host:port}, passing. */
  public static FaultProxy to(String name, String host, int port) {
    return new FaultProxy(name, new InetSocketAddress(host, port), 0);
  }

  /** The same on a given port (0 for a free one), e.g. to come back on the port it had. */
  public static FaultProxy to(String name, String host, int port, int listenPort) {
    return new FaultProxy(name, new InetSocketAddress(host, port), listenPort);
  }

  public String name() {
    return name;
  }

  /** The port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code 127.0.0.1:PORT}. */
  public String address() {
    return server.getInetAddress().getHostAddress() + ":" + port();
  }

  public Mode mode() {
    return mode;
  }

  /** Connections accepted so far. */
  public long connections() {
    return connections.get();
  }

  /** Connections open now. */
  public int openConnections() {
    return links.size();
  }

  public void pass() {
    set(Mode.PASS);
  }

  public void pause() {
    set(Mode.PAUSE);
  }

  public void blackhole() {
    set(Mode.BLACKHOLE);
  }

  /** Resets every open connection, and every new one until the mode changes. */
  public void reset() {
    set(Mode.RESET);
    links.forEach(Link::reset);
  }

  /** Latency added to every chunk forwarded while passing; zero for none. */
  public void delay(Duration delay) {
    delayNanos = requireNonNull(delay, "delay").toNanos();
  }

  private void set(Mode next) {
    synchronized (gate) {
      mode = next;
      gate.notifyAll();
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed) {
          System.err.println("fault proxy " + name + " stopped accepting: " + e);
        }
        return;
      }
      connections.incrementAndGet();
      if (mode == Mode.RESET) {
        abort(client);
        continue;
      }
      Link link = new Link(client);
      links.add(link);
      Thread starter = new Thread(link::open, "fault-proxy-" + name + "-open");
      starter.setDaemon(true);
      starter.start();
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    links.forEach(Link::reset);
    set(Mode.PASS);
  }

  @Override
  public String toString() {
    return name + " " + address() + " -> " + target + " (" + mode + ")";
  }

  private static void abort(Socket socket) {
    try {
      socket.setSoLinger(true, 0); // close sends RST
      socket.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  /** One accepted connection and its connection to the target. */
  private final class Link {
    private final Socket client;
    private volatile Socket upstream;

    Link(Socket client) {
      this.client = client;
    }

    void open() {
      try {
        // a new connection waits out a pause and is never completed into a black hole
        awaitPassingOrDropping();
        if (mode == Mode.BLACKHOLE) {
          drain(client);
          return;
        }
        if (mode == Mode.RESET) {
          reset();
          return;
        }
        Socket connected = new Socket();
        connected.connect(target, 5_000);
        connected.setTcpNoDelay(true);
        client.setTcpNoDelay(true);
        upstream = connected;
        pump(client, connected, "up");
        pump(connected, client, "down");
      } catch (IOException e) {
        reset();
      }
    }

    private void pump(Socket from, Socket to, String direction) {
      Thread thread =
          new Thread(
              () -> {
                byte[] buffer = new byte[16 * 1024];
                try (InputStream in = from.getInputStream()) {
                  OutputStream out = to.getOutputStream();
                  int read;
                  while ((read = in.read(buffer)) >= 0) {
                    if (!forward()) {
                      continue; // dropped into the black hole
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                  }
                  to.shutdownOutput();
                } catch (IOException e) {
                  reset();
                }
              },
              "fault-proxy-" + name + "-" + direction);
      thread.setDaemon(true);
      thread.start();
    }

    /** Waits while paused; true when the chunk read is to be forwarded, false to drop it. */
    private boolean forward() throws IOException {
      awaitPassingOrDropping();
      switch (mode) {
        case BLACKHOLE -> {
          return false;
        }
        case RESET -> throw new SocketException("reset by the fault proxy");
        default -> {
          long delay = delayNanos;
          if (delay > 0) {
            sleep(delay);
          }
          return true;
        }
      }
    }

    private void awaitPassingOrDropping() throws IOException {
      synchronized (gate) {
        while (mode == Mode.PAUSE && !closed) {
          try {
            gate.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SocketException("interrupted while paused");
          }
        }
      }
    }

    private void drain(Socket socket) throws IOException {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = socket.getInputStream()) {
        while (in.read(buffer) >= 0) {
          if (mode != Mode.BLACKHOLE) {
            // the hole closed over a connection that never reached the target: it stays broken
            throw new SocketException("connection opened into a black hole");
          }
        }
      }
    }

    void reset() {
      if (links.remove(this)) {
        abort(client);
        Socket up = upstream;
        if (up != null) {
          abort(up);
        }
      }
    }
  }

  private static void sleep(long nanos) throws SocketException {
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SocketException("interrupted while delaying");
    }
  }
}
