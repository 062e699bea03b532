package io.meshgate.xds.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA's certificates work with the JDK's TLS as files on disk: the server presents its
 * certificate for 127.0.0.1, requires a client certificate from the CA, and reads the client's
 * group from it.
 */
class MutualTlsTest {
  private static final int TIMEOUT_MILLIS = 5_000;
  private static final char[] NO_PASSWORD = new char[0];

  @TempDir Path dir;

  private final ExecutorService executor = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void serverSeesTheClientsSpiffeIdAfterAMutualHandshake() throws Exception {
    // given a CA, a server certificate for 127.0.0.1 and a client certificate, all as files
    ProxyCa ca = ProxyCa.init(dir.resolve("ca"));
    ca.issueServer(List.of("localhost"), List.of("127.0.0.1"), Duration.ofMinutes(10))
        .writeTo(dir.resolve("server"));
    ca.issueClient("gateway/default/edge", Duration.ofMinutes(10)).writeTo(dir.resolve("client"));

    try (SSLServerSocket server = listen(context(dir.resolve("server")))) {
      Future<Optional<String>> accepted = executor.submit(() -> acceptOne(server));

      // when
      X509Certificate serverCert;
      try (SSLSocket client = connect(context(dir.resolve("client")), server)) {
        // the server answers only once it has accepted the client's certificate
        assertThat(client.getInputStream().read()).isEqualTo(1);
        serverCert = (X509Certificate) client.getSession().getPeerCertificates()[0];
      }

      // then
      assertThat(accepted.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
          .contains("gateway/default/edge");
      assertThat(serverCert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    }
  }

  @Test
  void serverRejectsAClientCertificateFromAnotherCa() throws Exception {
    // given
    ProxyCa ca = ProxyCa.init(dir.resolve("ca"));
    ProxyCa other = ProxyCa.init(dir.resolve("other"));
    ca.issueServer(List.of(), List.of("127.0.0.1"), Duration.ofMinutes(10))
        .writeTo(dir.resolve("server"));
    other.issueClient("gateway/default/edge", Duration.ofMinutes(10)).writeTo(dir.resolve("rogue"));
    // the rogue client trusts the real CA, so only the server's check can stop it
    Files.delete(dir.resolve("rogue/ca.crt"));
    Files.copy(dir.resolve("ca/ca.crt"), dir.resolve("rogue/ca.crt"));

    try (SSLServerSocket server = listen(context(dir.resolve("server")))) {
      Future<Optional<String>> accepted = executor.submit(() -> acceptOne(server));

      // when / then
      SSLContext rogue = context(dir.resolve("rogue"));
      assertThatThrownBy(
              () -> {
                try (SSLSocket client = connect(rogue, server)) {
                  client.getInputStream().read();
                }
              })
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> accepted.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(SSLHandshakeException.class);
    }
  }

  private static Optional<String> acceptOne(SSLServerSocket server) throws IOException {
    try (SSLSocket socket = (SSLSocket) server.accept()) {
      socket.setSoTimeout(TIMEOUT_MILLIS);
      socket.startHandshake();
      Certificate[] peer = socket.getSession().getPeerCertificates();
      Optional<String> group = ProxyCa.groupOf((X509Certificate) peer[0]);
      socket.getOutputStream().write(1);
      socket.getOutputStream().flush();
      return group;
    }
  }

  private static SSLServerSocket listen(SSLContext context) throws IOException {
    SSLServerSocket server =
        (SSLServerSocket)
            context
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
    server.setNeedClientAuth(true);
    server.setSoTimeout(TIMEOUT_MILLIS);
    return server;
  }

  private static SSLSocket connect(SSLContext context, SSLServerSocket server) throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
    socket.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()), TIMEOUT_MILLIS);
    socket.setSoTimeout(TIMEOUT_MILLIS);
    // Check the server's IP SAN as an HTTPS client would, not just its signature.
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    return socket;
  }

  /** A context from the files {@link IssuedCertificate#writeTo} wrote: tls.crt, tls.key, ca.crt. */
  private static SSLContext context(Path dir) throws Exception {
    List<X509Certificate> chain = ProxyCa.readCertificates(dir.resolve("tls.crt"));
    PrivateKey key = ProxyCa.readPrivateKey(dir.resolve("tls.key"));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("tls", key, NO_PASSWORD, chain.toArray(Certificate[]::new));
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, NO_PASSWORD);

    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("ca", ProxyCa.readCertificates(dir.resolve("ca.crt")).get(0));
    TrustManagerFactory trustManagers =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(trusted);

    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
    return context;
  }
}
