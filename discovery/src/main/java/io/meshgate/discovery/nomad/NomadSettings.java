package io.meshgate.discovery.nomad;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach Nomad, in the terms of Nomad's CLI: {@code NOMAD_ADDR} (a URL; a bare {@code
 * host:port} is taken as http), {@code NOMAD_TOKEN}, {@code NOMAD_CACERT}, {@code
 * NOMAD_CLIENT_CERT}, {@code NOMAD_CLIENT_KEY}, {@code NOMAD_REGION} (sent as {@code region}) and
 * {@code NOMAD_NAMESPACE} (the namespace for a Backend that names none; {@code default} otherwise).
 * Not read: {@code NOMAD_CAPATH}, {@code NOMAD_SKIP_VERIFY}, {@code NOMAD_TLS_SERVER_NAME}, {@code
 * NOMAD_HTTP_AUTH}. {@link #toString()} never shows the token.
 *
 * @param region empty: the agent's own region
 */
public record NomadSettings(
    URI address,
    Optional<String> token,
    Optional<Path> caCertificate,
    Optional<Path> clientCertificate,
    Optional<Path> clientKey,
    Optional<String> region,
    String namespace) {
  /** Nomad's namespace when none is named. */
  public static final String DEFAULT_NAMESPACE = "default";

  public NomadSettings {
    requireNonNull(address, "address");
    requireNonNull(token, "token");
    requireNonNull(caCertificate, "caCertificate");
    requireNonNull(clientCertificate, "clientCertificate");
    requireNonNull(clientKey, "clientKey");
    requireNonNull(region, "region");
    requireNonNull(namespace, "namespace");
    if (namespace.isBlank()) {
      throw new IllegalArgumentException("namespace: '" + namespace + "' (expected: not blank)");
    }
  }

  /** Plain HTTP to this address: no token, the agent's region, namespace {@code default}. */
  public static NomadSettings at(URI address) {
    return new NomadSettings(
        address,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        DEFAULT_NAMESPACE);
  }

  /**
   * From the environment's NOMAD_* variables; empty when {@code NOMAD_ADDR} is not set. The CLI
   * would fall back to {@code http://127.0.0.1:4646}, but meshgate watches Nomad only when asked.
   */
  public static Optional<NomadSettings> fromEnvironment(Map<String, String> env) {
    String address = env.get("NOMAD_ADDR");
    if (address == null || address.isBlank()) {
      return Optional.empty();
    }
    address = address.strip();
    URI uri = URI.create(address.contains("://") ? address : "http://" + address);
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          "NOMAD_ADDR: " + address + " (expected: an http or https URL)");
    }
    return Optional.of(
        new NomadSettings(
            uri,
            value(env, "NOMAD_TOKEN"),
            value(env, "NOMAD_CACERT").map(Path::of),
            value(env, "NOMAD_CLIENT_CERT").map(Path::of),
            value(env, "NOMAD_CLIENT_KEY").map(Path::of),
            value(env, "NOMAD_REGION"),
            value(env, "NOMAD_NAMESPACE").orElse(DEFAULT_NAMESPACE)));
  }

  private static Optional<String> value(Map<String, String> env, String name) {
    return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
  }

  public NomadSettings withToken(String token) {
    return new NomadSettings(
        address,
        Optional.of(token),
        caCertificate,
        clientCertificate,
        clientKey,
        region,
        namespace);
  }

  public NomadSettings withNamespace(String namespace) {
    return new NomadSettings(
        address, token, caCertificate, clientCertificate, clientKey, region, namespace);
  }

  public NomadSettings withRegion(String region) {
    return new NomadSettings(
        address,
        token,
        caCertificate,
        clientCertificate,
        clientKey,
        Optional.of(region),
        namespace);
  }

  @Override
  public String toString() {
    return "NomadSettings["
        + address
        + (token.isPresent() ? ", token set" : "")
        + caCertificate.map(p -> ", CA " + p).orElse("")
        + clientCertificate.map(p -> ", client certificate " + p).orElse("")
        + region.map(r -> ", region " + r).orElse("")
        + ", namespace "
        + namespace
        + "]";
  }
}
