package io.meshgate.config.store;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How to reach etcd: the endpoints, and optionally TLS (a CA, a client certificate) and an etcd
 * user. Every etcd client of meshgate is built by {@link #connect()}, so the node and every command
 * take the same settings ({@code MESHGATE_ETCD}, {@code MESHGATE_ETCD_CA}, {@code
 * MESHGATE_ETCD_CERT}, {@code MESHGATE_ETCD_KEY}, {@code MESHGATE_ETCD_USER}, {@code
 * MESHGATE_ETCD_PASSWORD_FILE}).
 *
 * <p>The password is not held here: {@link #connect()} reads it from {@code passwordFile} each
 * time, so it never reaches a log line or {@code toString}.
 *
 * @param endpoints etcd's client URLs, all {@code http://} or all {@code https://}
 * @param ca the CA that signed etcd's server certificate; empty with {@code https://}: the system
 *     trust store
 * @param certificate a client certificate (PEM) for etcd's {@code --client-cert-auth}
 * @param privateKey the client certificate's private key (PEM, PKCS#8)
 * @param user an etcd user (etcd's {@code auth enable})
 * @param passwordFile a file holding that user's password (a trailing newline is ignored)
 */
public record EtcdConnection(
    List<URI> endpoints,
    Optional<Path> ca,
    Optional<Path> certificate,
    Optional<Path> privateKey,
    Optional<String> user,
    Optional<Path> passwordFile) {
  public EtcdConnection {
    endpoints = List.copyOf(endpoints);
    requireNonNull(ca, "ca");
    requireNonNull(certificate, "certificate");
    requireNonNull(privateKey, "privateKey");
    requireNonNull(user, "user");
    requireNonNull(passwordFile, "passwordFile");
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("etcd: no endpoints (expected: http://host:port, ...)");
    }
    long https = endpoints.stream().filter(EtcdConnection::isHttps).count();
    if (https != 0 && https != endpoints.size()) {
      throw new IllegalArgumentException(
          "etcd: " + joined(endpoints) + " mixes http:// and https:// (expected: one scheme)");
    }
    if (certificate.isPresent() != privateKey.isPresent()) {
      throw new IllegalArgumentException(
          certificate.isPresent()
              ? "etcd client certificate "
                  + certificate.get()
                  + " without a private key (expected: --etcd-key / MESHGATE_ETCD_KEY too)"
              : "etcd private key "
                  + privateKey.get()
                  + " without a certificate (expected: --etcd-cert / MESHGATE_ETCD_CERT too)");
    }
    if (https == 0 && (ca.isPresent() || certificate.isPresent())) {
      throw new IllegalArgumentException(
          "etcd: a CA or client certificate is set but the endpoints "
              + joined(endpoints)
              + " are http:// (expected: https:// endpoints for TLS)");
    }
    if (user.isPresent() != passwordFile.isPresent()) {
      throw new IllegalArgumentException(
          user.isPresent()
              ? "etcd user "
                  + user.get()
                  + " without a password file (expected: --etcd-password-file /"
                  + " MESHGATE_ETCD_PASSWORD_FILE too)"
              : "etcd password file "
                  + passwordFile.get()
                  + " without a user (expected: --etcd-user / MESHGATE_ETCD_USER too)");
    }
    if (user.isPresent() && user.get().isBlank()) {
      throw new IllegalArgumentException("etcd user: blank (expected: a user name)");
    }
  }

  /** Plaintext and anonymous, to {@code endpoints} (comma-separated). */
  public static EtcdConnection plaintext(String endpoints) {
    return new EtcdConnection(
        parse(endpoints),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  /** Comma-separated endpoints as URLs. */
  public static List<URI> parse(String endpoints) {
    requireNonNull(endpoints, "endpoints");
    List<URI> uris = new ArrayList<>();
    for (String endpoint : endpoints.trim().split("\\s*,\\s*")) {
      if (endpoint.isEmpty()) {
        continue;
      }
      URI uri = URI.create(endpoint);
      if (uri.getHost() == null || uri.getPort() < 0) {
        throw new IllegalArgumentException(
            "etcd endpoint: '" + endpoint + "' (expected: http://host:port or https://host:port)");
      }
      uris.add(uri);
    }
    return uris;
  }

  public EtcdConnection withCa(Path ca) {
    return new EtcdConnection(
        endpoints, Optional.of(ca), certificate, privateKey, user, passwordFile);
  }

  public EtcdConnection withClientCertificate(Path certificate, Path privateKey) {
    return new EtcdConnection(
        endpoints, ca, Optional.of(certificate), Optional.of(privateKey), user, passwordFile);
  }

  public EtcdConnection withUser(String user, Path passwordFile) {
    return new EtcdConnection(
        endpoints, ca, certificate, privateKey, Optional.of(user), Optional.of(passwordFile));
  }

  /** Whether the endpoints are {@code https://}. */
  public boolean tls() {
    return isHttps(endpoints.get(0));
  }

  /** The endpoints comma-separated, as {@code MESHGATE_ETCD} takes them. */
  public String endpointList() {
    return joined(endpoints);
  }

  /**
   * Things worth saying once at start that are not errors: TLS checked against the system trust
   * store, an etcd password or the whole keyspace sent in plaintext beyond this host.
   */
  public List<String> notes() {
    List<String> notes = new ArrayList<>();
    if (tls() && ca.isEmpty()) {
      notes.add(
          "etcd is reached over https:// without MESHGATE_ETCD_CA: its certificate is checked"
              + " against the system trust store");
    }
    List<URI> remote = endpoints.stream().filter(uri -> !isLoopback(uri)).toList();
    if (!tls() && !remote.isEmpty()) {
      notes.add(
          "etcd at "
              + joined(remote)
              + " is reached without TLS, beyond loopback: the configuration and its keys travel"
              + (user.isPresent()
                  ? " in plaintext, and so does the etcd password"
                  : " in plaintext")
              + " (use https:// endpoints and MESHGATE_ETCD_CA)");
    }
    return notes;
  }

  /**
   * A new client for a long-running process; the caller closes it. Its calls wait while etcd is
   * unreachable (up to their own timeouts). Files are read now: a missing one fails here.
   */
  public Client connect() {
    return builder().build();
  }

  /**
   * A new client for a command run once: a call fails at once with the transport's reason (a TLS
   * handshake etcd refused, a refused connection) instead of waiting for etcd to become reachable
   * until its timeout says only that it did not answer.
   */
  public Client connectFailingFast() {
    return builder().waitForReady(false).build();
  }

  private ClientBuilder builder() {
    ClientBuilder builder =
        Client.builder()
            .endpoints(endpoints.toArray(URI[]::new))
            // etcd refuses pings on a connection without calls (its keepalive policy does not
            // permit them without a stream) and answers a client that sends them anyway with
            // GOAWAY too_many_pings, dropping the connection; jetcd sends them by default.
            .keepaliveWithoutCalls(false);
    if (tls()) {
      try {
        SslContextBuilder ssl = GrpcSslContexts.forClient();
        ca.ifPresent(file -> ssl.trustManager(readable(file, "CA").toFile()));
        if (certificate.isPresent()) {
          ssl.keyManager(
              readable(certificate.get(), "client certificate").toFile(),
              readable(privateKey.get(), "client key").toFile());
        }
        builder.sslContext(ssl.build());
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException("etcd TLS: " + e.getMessage(), e);
      }
    }
    if (user.isPresent()) {
      builder
          .user(ByteSequence.from(user.get(), StandardCharsets.UTF_8))
          .password(ByteSequence.from(readPassword(passwordFile.get()), StandardCharsets.UTF_8));
    }
    return builder;
  }

  private static String readPassword(Path file) {
    try {
      String password = Files.readString(readable(file, "password file"));
      password = password.strip();
      if (password.isEmpty()) {
        throw new IllegalArgumentException("etcd password file " + file + " is empty");
      }
      return password;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the etcd password file " + file, e);
    }
  }

  private static Path readable(Path file, String what) {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("etcd " + what + " " + file + " is not a readable file");
    }
    return file;
  }

  private static boolean isHttps(URI uri) {
    return "https".equalsIgnoreCase(uri.getScheme());
  }

  private static boolean isLoopback(URI uri) {
    String host = uri.getHost();
    if ("localhost".equalsIgnoreCase(host)) {
      return true;
    }
    // Only literal addresses are judged; a name is not resolved just to print a warning.
    if (!host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static String joined(List<URI> uris) {
    return String.join(",", uris.stream().map(URI::toString).toList());
  }
}
