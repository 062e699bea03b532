package io.meshgate.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What Consul's and Nomad's HTTP APIs share on the client side: a java.net.http client with the
 * product's TLS files, and GETs whose answers are read bounded, at most {@value #MAX_BODY} bytes.
 */
public final class HashicorpHttp {
  /** The largest answer read: thousands of instances with their checks fit well within it. */
  public static final int MAX_BODY = 16 * 1024 * 1024;

  private HashicorpHttp() {}

  /** A bounded answer: its status, headers and body. */
  public record Response(int status, HttpHeaders headers, byte[] body) {
    /** The start of the body, as the product's reason for a status other than 200. */
    public String reason() {
      return new String(body, 0, Math.min(body.length, 512), StandardCharsets.UTF_8).strip();
    }

    /**
     * A blocking-query index header ({@code X-Consul-Index}, {@code X-Nomad-Index}); 0 when absent
     * or not a number (a reset).
     */
    public long index(String header) {
      OptionalLong index =
          headers.firstValue(header).stream().mapToLong(HashicorpHttp::parseIndex).findFirst();
      return index.orElse(0);
    }
  }

  /**
   * A client for {@code scheme}: https uses the CA and client certificate files (PEM), as the
   * product's CLI takes them.
   *
   * @param product named in the error of bad TLS settings
   */
  public static HttpClient client(
      String scheme,
      Optional<Path> caCertificate,
      Optional<Path> clientCertificate,
      Optional<Path> clientKey,
      String product) {
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (scheme.equals("https")) {
      try {
        http.sslContext(HttpTls.context(caCertificate, clientCertificate, clientKey));
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalArgumentException(product + " TLS settings: " + e.getMessage(), e);
      }
    }
    return http.build();
  }

  /**
   * Sends a request and reads its answer, at most {@value #MAX_BODY} bytes.
   *
   * @param what named in the error of an answer that is too large
   */
  public static Response send(HttpClient http, HttpRequest request, String what)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    byte[] body;
    try (InputStream in = response.body()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) {
      throw new IOException(what + " is larger than " + MAX_BODY + " bytes");
    }
    return new Response(response.statusCode(), response.headers(), body);
  }

  /** How long a blocking query's request may take: the wait, the server's jitter, and a margin. */
  public static Duration timeout(Duration wait) {
    return wait.plus(wait.dividedBy(16)).plusSeconds(10);
  }

  private static long parseIndex(String header) {
    try {
      return Long.parseLong(header.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
