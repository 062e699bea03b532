package io.meshgate.discovery.nomad;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgate.config.model.NomadSource;
import io.meshgate.discovery.BlockingQuery;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import io.meshgate.discovery.EndpointMetadata;
import io.meshgate.discovery.HashicorpHttp;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Nomad native service discovery's Read Service endpoint ({@code GET /v1/service/:service_name}) as
 * a blocking query, on java.net.http. Every registration becomes a HEALTHY endpoint at its {@code
 * Address} and {@code Port}, weight 1, with its {@code Datacenter} as region and no zone: the
 * endpoint carries no health (results of Nomad service checks are only readable per allocation),
 * and Nomad removes a registration when its allocation stops. The endpoint has no tag parameter, so
 * the Backend's tags are matched here: an instance must carry all of them. Its tags become its
 * metadata ({@code tag.<tag>: "true"}, {@link EndpointMetadata#labels}); a registration has no meta
 * in Nomad's documented answer. Answers are bounded ({@link HashicorpHttp#MAX_BODY}).
 */
public final class NomadClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final NomadSettings settings;
  private final HttpClient http;

  private NomadClient(NomadSettings settings, HttpClient http) {
    this.settings = settings;
    this.http = http;
  }

  public static NomadClient of(NomadSettings settings) {
    return new NomadClient(
        settings,
        HashicorpHttp.client(
            settings.address().getScheme(),
            settings.caCertificate(),
            settings.clientCertificate(),
            settings.clientKey(),
            "Nomad"));
  }

  /** A Nomad answer other than 200: its status and the start of its body (Nomad's reason). */
  public static final class NomadException extends IOException {
    private final int status;
    private final String reason;

    NomadException(int status, String reason) {
      super("Nomad answered " + status + ": " + reason);
      this.status = status;
      this.reason = reason;
    }

    public int status() {
      return status;
    }

    /** Nomad's message, such as {@code Permission denied}. */
    public String reason() {
      return reason;
    }
  }

  /**
   * The registrations of a service, blocking until its index passes {@code index} or {@code wait}
   * elapses. The namespace is the source's, else the settings'.
   */
  public BlockingQuery.Answer<List<DiscoveredEndpoint>> service(
      NomadSource source, long index, Duration wait) throws IOException, InterruptedException {
    StringBuilder query = new StringBuilder();
    String namespace =
        source.namespace() == null || source.namespace().isEmpty()
            ? settings.namespace()
            : source.namespace();
    param(query, "namespace", namespace);
    settings.region().ifPresent(region -> param(query, "region", region));
    if (index > 0) {
      param(query, "index", Long.toString(index));
      param(query, "wait", Math.max(1, wait.toSeconds()) + "s");
    }
    URI uri =
        settings
            .address()
            .resolve(
                "/v1/service/"
                    + URLEncoder.encode(source.service(), StandardCharsets.UTF_8)
                        .replace("+", "%20")
                    + "?"
                    + query);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            // Nomad may add up to wait/16 of jitter before it answers.
            .timeout(HashicorpHttp.timeout(wait))
            .header("Accept", "application/json");
    settings.token().ifPresent(t -> request.header("X-Nomad-Token", t));
    HashicorpHttp.Response response =
        HashicorpHttp.send(http, request.build(), "Nomad's answer for " + source.service());
    if (response.status() != 200) {
      throw new NomadException(response.status(), response.reason());
    }
    return new BlockingQuery.Answer<>(
        response.index("X-Nomad-Index"), endpoints(JSON.readTree(response.body()), source.tags()));
  }

  static List<DiscoveredEndpoint> endpoints(JsonNode registrations, List<String> wantedTags)
      throws IOException {
    if (!registrations.isArray()) {
      throw new IOException("Nomad's answer is not a list of registrations: " + registrations);
    }
    List<DiscoveredEndpoint> endpoints = new ArrayList<>();
    for (JsonNode registration : registrations) {
      String address = registration.path("Address").asText("");
      int port = registration.path("Port").asInt(0);
      if (address.isEmpty() || port <= 0 || port > 65535) {
        continue;
      }
      List<String> tags = new ArrayList<>();
      registration.path("Tags").forEach(tag -> tags.add(tag.asText()));
      if (!tags.containsAll(wantedTags)) {
        continue;
      }
      String datacenter = registration.path("Datacenter").asText("");
      String source = datacenter.isEmpty() ? "nomad" : "nomad/" + datacenter;
      endpoints.add(
          new DiscoveredEndpoint(
              address,
              port,
              1,
              "",
              datacenter,
              source,
              EndpointHealth.HEALTHY,
              0,
              EndpointMetadata.bounded(EndpointMetadata.labels(Map.of(), tags, Map.of()), source)));
    }
    return endpoints;
  }

  private static void param(StringBuilder query, String name, String value) {
    if (query.length() > 0) {
      query.append('&');
    }
    query.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "NomadClient[" + settings + "]";
  }
}
