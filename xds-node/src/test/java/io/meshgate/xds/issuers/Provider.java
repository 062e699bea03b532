package io.meshgate.xds.issuers;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A local OIDC provider whose discovery document and key set ({@link #keySetUri()}) a test can
 * change: HTTPS on 127.0.0.1 with the test certificate {@code localhost.crt} (trust it with {@link
 * #trustingLocalhost()}).
 */
public final class Provider implements AutoCloseable {
  private static final Path KEYS = Path.of("src/test/resources/test-keys");

  private final HttpsServer server;

  /** A key set with one EC key. */
  public static final String ONE_KEY =
      "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\","
          + "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
          + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

  /** The status the document and the key set are answered with (200: the document). */
  public final AtomicInteger status = new AtomicInteger(200);

  /** The issuer the document claims; null: its own URL. */
  public final AtomicReference<String> claimedIssuer = new AtomicReference<>();

  /** The authorization endpoint the document names. */
  public final AtomicReference<String> authorization =
      new AtomicReference<>("https://login.example.com/authorize");

  /** Characters of padding in the document. */
  public final AtomicInteger padding = new AtomicInteger();

  /** Requests for the document so far. */
  public final AtomicInteger hits = new AtomicInteger();

  /** The key set served at {@link #keySetUri()}. */
  public final AtomicReference<String> keySet = new AtomicReference<>(ONE_KEY);

  /** Requests for the key set so far. */
  public final AtomicInteger keySetHits = new AtomicInteger();

  private Provider(HttpsServer server) {
    this.server = server;
  }

  /** A started provider on an ephemeral loopback port. */
  public static Provider start() throws Exception {
    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serving()));
    Provider provider = new Provider(server);
    server.createContext(
        "/.well-known/openid-configuration",
        exchange -> {
          provider.hits.incrementAndGet();
          String issuer =
              provider.claimedIssuer.get() != null
                  ? provider.claimedIssuer.get()
                  : provider.issuer();
          byte[] body =
              ("{\"issuer\":\""
                      + issuer
                      + "\",\"authorization_endpoint\":\""
                      + provider.authorization.get()
                      + "\",\"token_endpoint\":\"https://login.example.com/token\","
                      + "\"end_session_endpoint\":\"https://login.example.com/logout\","
                      + "\"padding\":\""
                      + "x".repeat(provider.padding.get())
                      + "\"}")
                  .getBytes(StandardCharsets.UTF_8);
          int status = provider.status.get();
          exchange.sendResponseHeaders(status, status == 200 ? body.length : -1);
          try (OutputStream out = exchange.getResponseBody()) {
            if (status == 200) {
              out.write(body);
            }
          }
        });
    server.createContext(
        "/jwks",
        exchange -> {
          provider.keySetHits.incrementAndGet();
          byte[] body = provider.keySet.get().getBytes(StandardCharsets.UTF_8);
          int status = provider.status.get();
          exchange.sendResponseHeaders(status, status == 200 ? body.length : -1);
          try (OutputStream out = exchange.getResponseBody()) {
            if (status == 200) {
              out.write(body);
            }
          }
        });
    server.start();
    return provider;
  }

  /** The issuer URL: {@code https://127.0.0.1:<port>}. */
  public String issuer() {
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The key set's URL: {@code https://127.0.0.1:<port>/jwks}. */
  public String keySetUri() {
    return issuer() + "/jwks";
  }

  /** A client context trusting the provider's certificate only. */
  public static SSLContext trustingLocalhost() throws Exception {
    return trusting(KEYS.resolve("localhost.crt"));
  }

  /** A client context trusting only {@code certificate}. */
  public static SSLContext trusting(Path certificate) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("trusted", certificate(certificate));
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  /** The server side: localhost.key with localhost.crt. */
  private static SSLContext serving() throws Exception {
    String pem = Files.readString(KEYS.resolve("localhost.key"));
    byte[] der =
        Base64.getMimeDecoder()
            .decode(
                pem.replace("-----BEGIN PRIVATE KEY-----", "")
                    .replace("-----END PRIVATE KEY-----", ""));
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    char[] password = "test".toCharArray();
    store.setKeyEntry(
        "localhost", key, password, new Certificate[] {certificate(KEYS.resolve("localhost.crt"))});
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), null, null);
    return context;
  }

  private static Certificate certificate(Path path) throws Exception {
    try (InputStream in = Files.newInputStream(path)) {
      return CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
