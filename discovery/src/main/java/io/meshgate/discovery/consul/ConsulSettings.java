package io.meshgate.discovery.consul;

import static java.util.Objects.requireNonNull;

import io.meshgate.discovery.HashicorpHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach Consul, in HashiCorp's own terms: {@code CONSUL_HTTP_ADDR} ({@code host:port} or a
 * URL; {@code CONSUL_HTTP_SSL=true} makes a bare address https), {@code CONSUL_HTTP_TOKEN} or
 * {@code CONSUL_HTTP_TOKEN_FILE}, {@code CONSUL_CACERT}, {@code CONSUL_CLIENT_CERT}, {@code
 * CONSUL_CLIENT_KEY}. {@link #toString()} never shows the token.
 */
public record ConsulSettings(
    URI address,
    Optional<String> token,
    Optional<Path> caCertificate,
    Optional<Path> clientCertificate,
    Optional<Path> clientKey) {
  public ConsulSettings {
    requireNonNull(address, "address");
    requireNonNull(token, "token");
    requireNonNull(caCertificate, "caCertificate");
    requireNonNull(clientCertificate, "clientCertificate");
    requireNonNull(clientKey, "clientKey");
  }

  /** An HTTP client for this agent: https with the CA and client certificate files, if set. */
  public HttpClient httpClient() {
    return HashicorpHttp.client(
        address.getScheme(), caCertificate, clientCertificate, clientKey, "Consul");
  }

  /** Plain HTTP to this address, no token. */
  public static ConsulSettings at(URI address) {
    return new ConsulSettings(
        address, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** From the environment's CONSUL_* variables; empty when CONSUL_HTTP_ADDR is not set. */
  public static Optional<ConsulSettings> fromEnvironment(Map<String, String> env) {
    String address = env.get("CONSUL_HTTP_ADDR");
    if (address == null || address.isBlank()) {
      return Optional.empty();
    }
    boolean ssl = "true".equalsIgnoreCase(env.getOrDefault("CONSUL_HTTP_SSL", "false"));
    URI uri =
        URI.create(address.contains("://") ? address : (ssl ? "https://" : "http://") + address);
    Optional<String> token =
        Optional.ofNullable(env.get("CONSUL_HTTP_TOKEN")).filter(t -> !t.isBlank());
    if (token.isEmpty() && env.get("CONSUL_HTTP_TOKEN_FILE") != null) {
      try {
        token = Optional.of(Files.readString(Path.of(env.get("CONSUL_HTTP_TOKEN_FILE"))).strip());
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read CONSUL_HTTP_TOKEN_FILE " + env.get("CONSUL_HTTP_TOKEN_FILE"), e);
      }
    }
    return Optional.of(
        new ConsulSettings(
            uri,
            token,
            path(env, "CONSUL_CACERT"),
            path(env, "CONSUL_CLIENT_CERT"),
            path(env, "CONSUL_CLIENT_KEY")));
  }

  private static Optional<Path> path(Map<String, String> env, String name) {
    return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank()).map(Path::of);
  }

  public ConsulSettings withToken(String token) {
    return new ConsulSettings(
        address, Optional.of(token), caCertificate, clientCertificate, clientKey);
  }

  @Override
  public String toString() {
    return "ConsulSettings["
        + address
        + (token.isPresent() ? ", token set" : "")
        + caCertificate.map(p -> ", CA " + p).orElse("")
        + clientCertificate.map(p -> ", client certificate " + p).orElse("")
        + "]";
  }
}
