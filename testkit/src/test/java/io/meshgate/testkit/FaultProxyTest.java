package io.meshgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FaultProxyTest {
  private ServerSocket echo;
  private FaultProxy proxy;

  @BeforeEach
  void echoServer() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!echo.isClosed()) {
                try {
                  Socket socket = echo.accept();
                  Thread pump =
                      new Thread(
                          () -> {
                            try (socket) {
                              socket.getInputStream().transferTo(socket.getOutputStream());
                            } catch (IOException ignored) {
                              // the test closed it
                            }
                          });
                  pump.setDaemon(true);
                  pump.start();
                } catch (IOException e) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    proxy = FaultProxy.to("echo", "127.0.0.1", echo.getLocalPort());
  }

  @AfterEach
  void close() throws IOException {
    proxy.close();
    echo.close();
  }

  @Test
  void passesBytesBothWays() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "hello");
      assertThat(read(socket, 5)).isEqualTo("hello");
    }
  }

  @Test
  void aPauseHoldsBytesAndDeliversAllOfThemAfterwards() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "a");
      assertThat(read(socket, 1)).isEqualTo("a");

      proxy.pause();
      send(socket, "bcd");
      socket.setSoTimeout(300);
      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);

      proxy.pass();
      socket.setSoTimeout(5_000);
      assertThat(read(socket, 3)).isEqualTo("bcd");
    }
  }

  @Test
  void aNewConnectionDuringAPauseWaitsAndThenWorks() throws IOException {
    proxy.pause();
    try (Socket socket = connect()) {
      send(socket, "x");
      proxy.pass();
      assertThat(read(socket, 1)).isEqualTo("x");
    }
  }

  @Test
  void aBlackholeDropsWhatIsSentThroughIt() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "a");
      assertThat(read(socket, 1)).isEqualTo("a");

      proxy.blackhole();
      send(socket, "lost");
      socket.setSoTimeout(300);
      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);

      proxy.pass();
      send(socket, "b");
      socket.setSoTimeout(5_000);
      assertThat(read(socket, 1)).as("the dropped bytes never arrive").isEqualTo("b");
    }
  }

  @Test
  void aResetClosesOpenConnectionsAndRefusesNewOnes() throws IOException {
    Socket open = connect();
    send(open, "a");
    assertThat(read(open, 1)).isEqualTo("a");

    proxy.reset();
    open.setSoTimeout(5_000);
    assertThatThrownBy(() -> readOrEnd(open)).hasMessageContaining("reset");
    open.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() == 0);

    try (Socket refused = connect()) {
      refused.setSoTimeout(5_000);
      assertThatThrownBy(() -> readOrEnd(refused)).hasMessageContaining("reset");
    }

    proxy.pass();
    try (Socket again = connect()) {
      send(again, "c");
      assertThat(read(again, 1)).isEqualTo("c");
    }
  }

  @Test
  void aDelayHoldsEachChunkBackWithoutLosingIt() throws IOException {
    proxy.delay(Duration.ofMillis(200));
    try (Socket socket = connect()) {
      send(socket, "slow");
      socket.setSoTimeout(100);
      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);
      socket.setSoTimeout(5_000);
      assertThat(read(socket, 4)).isEqualTo("slow");
    }
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", proxy.port());
    socket.setSoTimeout(5_000);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String read(Socket socket, int bytes) throws IOException {
    return new String(socket.getInputStream().readNBytes(bytes), StandardCharsets.UTF_8);
  }

  /** Reads until the peer's end (returns) or a reset (throws). */
  private static void readOrEnd(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    while (in.read() >= 0) {
      // nothing is expected
    }
  }
}
