package io.meshgate.discovery.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshgate.config.model.ConsulSource;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Consul's health endpoint for one service ({@code GET /v1/health/service/:service}, or {@code GET
 * /v1/health/connect/:service} for its Connect-capable instances when the source says {@code
 * connect}; both answer the same entries) as a blocking query, on java.net.http. Every instance is
 * kept, with its health mapped from its checks: all passing → HEALTHY; some warning → HEALTHY with
 * the service's warning weight, or UNHEALTHY when the source says {@code onlyPassing} (as Consul's
 * own {@code OnlyPassing} filter would leave the instance out); a node or service maintenance check
 * → DRAINING; any other critical check → UNHEALTHY. The instance's address is the service's, else
 * its node's; its locality is the service's {@code Locality} (Consul 1.17+) or else its datacenter
 * as region and the node's {@code zone} meta. Its metadata: the service's {@code Meta} as it is,
 * each of its {@code Tags} as {@code tag.<tag>: "true"}, the node's {@code Meta} as {@code
 * node.<key>} ({@link EndpointMetadata#labels}), bounded. Answers are bounded ({@link
 * HashicorpHttp#MAX_BODY}).
 */
public final class ConsulClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConsulSettings settings;
  private final HttpClient http;

  private ConsulClient(ConsulSettings settings, HttpClient http) {
    this.settings = settings;
    this.http = http;
  }

  public static ConsulClient of(ConsulSettings settings) {
    return new ConsulClient(settings, settings.httpClient());
  }

  /** A Consul answer other than 200: its status and the start of its body (Consul's reason). */
  public static final class ConsulException extends IOException {
    private final int status;

    public ConsulException(int status, String body) {
      super("Consul answered " + status + ": " + body);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /**
   * The instances of a service, blocking until its index passes {@code index} or {@code wait}
   * elapses.
   */
  public BlockingQuery.Answer<List<DiscoveredEndpoint>> healthService(
      ConsulSource source, long index, Duration wait) throws IOException, InterruptedException {
    StringBuilder query = new StringBuilder();
    param(query, "dc", source.datacenter());
    for (String tag : source.tags()) {
      param(query, "tag", tag);
    }
    param(query, "ns", source.namespace());
    param(query, "partition", source.partition());
    if (index > 0) {
      param(query, "index", Long.toString(index));
      param(query, "wait", wait.toSeconds() + "s");
    }
    URI uri =
        settings
            .address()
            .resolve(
                (source.viaConnect() ? "/v1/health/connect/" : "/v1/health/service/")
                    + URLEncoder.encode(source.service(), StandardCharsets.UTF_8)
                    + (query.length() == 0 ? "" : "?" + query));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(HashicorpHttp.timeout(wait))
            .header("Accept", "application/json");
    settings.token().ifPresent(t -> request.header("X-Consul-Token", t));
    HashicorpHttp.Response response =
        HashicorpHttp.send(http, request.build(), "Consul's answer for " + source.service());
    if (response.status() != 200) {
      throw new ConsulException(response.status(), response.reason());
    }
    return new BlockingQuery.Answer<>(
        response.index("X-Consul-Index"), endpoints(JSON.readTree(response.body()), source));
  }

  /** An answer's entries as endpoints, read by the rules of {@code source}. */
  static List<DiscoveredEndpoint> endpoints(JsonNode entries, ConsulSource source) {
    String queriedDatacenter = source.datacenter();
    List<DiscoveredEndpoint> endpoints = new ArrayList<>();
    for (JsonNode entry : entries) {
      JsonNode node = entry.path("Node");
      JsonNode service = entry.path("Service");
      String address = service.path("Address").asText("");
      if (address.isEmpty()) {
        address = node.path("Address").asText("");
      }
      int port = service.path("Port").asInt(0);
      if (address.isEmpty() || port <= 0 || port > 65535) {
        continue;
      }
      EndpointHealth health = health(entry.path("Checks"));
      boolean warning = health == EndpointHealth.HEALTHY && warning(entry.path("Checks"));
      if (warning && source.passingOnly()) {
        health = EndpointHealth.UNHEALTHY;
        warning = false;
      }
      int weight =
          Math.max(1, service.path("Weights").path(warning ? "Warning" : "Passing").asInt(1));
      String datacenter = node.path("Datacenter").asText("");
      if (datacenter.isEmpty()) {
        datacenter = queriedDatacenter == null ? "" : queriedDatacenter;
      }
      JsonNode locality = service.path("Locality");
      String region = locality.path("Region").asText("");
      String zone = locality.path("Zone").asText("");
      if (region.isEmpty() && zone.isEmpty()) {
        region = datacenter;
        zone = node.path("Meta").path("zone").asText("");
      }
      String provenance = "consul/" + (datacenter.isEmpty() ? "local" : datacenter);
      endpoints.add(
          new DiscoveredEndpoint(
              address,
              port,
              weight,
              zone,
              region,
              provenance,
              health,
              0,
              EndpointMetadata.bounded(
                  EndpointMetadata.labels(
                      strings(service.path("Meta")),
                      texts(service.path("Tags")),
                      strings(node.path("Meta"))),
                  provenance)));
    }
    return endpoints;
  }

  /** A JSON object's string fields (Consul's meta maps); anything else is left out. */
  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> map = new LinkedHashMap<>();
    object
        .fields()
        .forEachRemaining(
            field -> {
              if (field.getValue().isTextual()) {
                map.put(field.getKey(), field.getValue().asText());
              }
            });
    return map;
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(
        value -> {
          if (value.isTextual()) {
            texts.add(value.asText());
          }
        });
    return texts;
  }

  private static EndpointHealth health(JsonNode checks) {
    EndpointHealth health = EndpointHealth.HEALTHY;
    for (JsonNode check : checks) {
      if (!check.path("Status").asText("").equals("critical")) {
        continue;
      }
      String id = check.path("CheckID").asText("");
      if (id.equals("_node_maintenance") || id.startsWith("_service_maintenance")) {
        return EndpointHealth.DRAINING;
      }
      health = EndpointHealth.UNHEALTHY;
    }
    return health;
  }

  private static boolean warning(JsonNode checks) {
    for (JsonNode check : checks) {
      if (check.path("Status").asText("").equals("warning")) {
        return true;
      }
    }
    return false;
  }

  private static void param(StringBuilder query, String name, String value) {
    if (value == null || value.isEmpty()) {
      return;
    }
    if (query.length() > 0) {
      query.append('&');
    }
    query.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "ConsulClient[" + settings + "]";
  }
}
