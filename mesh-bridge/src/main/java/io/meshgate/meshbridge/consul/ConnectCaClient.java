package io.meshgate.meshbridge.consul;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgate.discovery.BlockingQuery;
import io.meshgate.discovery.HashicorpHttp;
import io.meshgate.discovery.consul.ConsulClient.ConsulException;
import io.meshgate.discovery.consul.ConsulSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The local Consul agent's Connect CA endpoints, as blocking queries: {@code GET
 * /v1/agent/connect/ca/roots} and {@code GET /v1/agent/connect/ca/leaf/:service}; and the
 * intentions that name a service as their destination ({@code GET /v1/connect/intentions/match}).
 * The agent caches both, renews the leaf before it expires and answers a blocking query when either
 * changes (a renewal, a root rotation).
 */
final class ConnectCaClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConsulSettings settings;
  private final Optional<String> namespace;
  private final HttpClient http;

  /**
   * @param namespace the Consul namespace (Enterprise) of the leaf's service and of the intentions'
   *     destinations, sent as {@code ns}; empty sends none (the token's default)
   */
  ConnectCaClient(ConsulSettings settings, Optional<String> namespace) {
    this.settings = requireNonNull(settings, "settings");
    this.namespace = requireNonNull(namespace, "namespace");
    this.http = settings.httpClient();
  }

  BlockingQuery.Answer<ConsulRoots> roots(long index, Duration wait)
      throws IOException, InterruptedException {
    Fetched answer = get("/v1/agent/connect/ca/roots", index, wait, "Consul's CA roots");
    return new BlockingQuery.Answer<>(
        answer.index(), read(() -> ConsulRoots.read(answer.body()), "roots"));
  }

  BlockingQuery.Answer<ConsulLeaf> leaf(String service, long index, Duration wait)
      throws IOException, InterruptedException {
    Fetched answer =
        get(
            "/v1/agent/connect/ca/leaf/"
                + URLEncoder.encode(service, StandardCharsets.UTF_8)
                + namespaceParam("?"),
            index,
            wait,
            "Consul's leaf certificate for " + service);
    return new BlockingQuery.Answer<>(
        answer.index(), read(() -> ConsulLeaf.read(answer.body(), service), "leaf for " + service));
  }

  /**
   * {@code GET /v1/connect/intentions/match?by=destination&name=<service>}, as a blocking query.
   */
  BlockingQuery.Answer<List<ConsulIntention>> intentions(String service, long index, Duration wait)
      throws IOException, InterruptedException {
    String name = URLEncoder.encode(service, StandardCharsets.UTF_8);
    Fetched answer =
        get(
            "/v1/connect/intentions/match?by=destination&name=" + name + namespaceParam("&"),
            index,
            wait,
            "Consul's intentions for " + service);
    return new BlockingQuery.Answer<>(
        answer.index(),
        read(() -> ConsulIntention.read(answer.body(), service), "intentions for " + service));
  }

  private String namespaceParam(String separator) {
    return namespace
        .map(ns -> separator + "ns=" + URLEncoder.encode(ns, StandardCharsets.UTF_8))
        .orElse("");
  }

  URI address() {
    return settings.address();
  }

  /** An answer's index and body. */
  private record Fetched(long index, JsonNode body) {}

  private Fetched get(String path, long index, Duration wait, String what)
      throws IOException, InterruptedException {
    String separator = path.contains("?") ? "&" : "?";
    String query =
        index > 0 ? separator + "index=" + index + "&wait=" + wait.toSeconds() + "s" : "";
    HttpRequest.Builder request =
        HttpRequest.newBuilder(settings.address().resolve(path + query))
            .timeout(HashicorpHttp.timeout(wait))
            .header("Accept", "application/json");
    settings.token().ifPresent(t -> request.header("X-Consul-Token", t));
    HashicorpHttp.Response response = HashicorpHttp.send(http, request.build(), what);
    if (response.status() != 200) {
      throw new ConsulException(response.status(), response.reason());
    }
    try {
      return new Fetched(response.index("X-Consul-Index"), JSON.readTree(response.body()));
    } catch (JsonProcessingException e) {
      throw new IOException(what + " is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** An answer the agent gave but meshgate cannot use: an I/O failure with the field's reason. */
  private static <T> T read(ReadAnswer<T> reader, String what) throws IOException {
    try {
      return reader.read();
    } catch (IllegalArgumentException e) {
      throw new IOException("Consul's " + what + " is unusable: " + e.getMessage(), e);
    }
  }

  @FunctionalInterface
  private interface ReadAnswer<T> {
    T read();
  }
}
