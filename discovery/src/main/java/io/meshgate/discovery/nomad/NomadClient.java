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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Nomad native service discovery's Read Service endpoint ({@code GET /v1/service/:service_name}) as
 * a blocking query, on java.net.http. Every registration becomes an endpoint at its {@code Address}
 * and {@code Port}, weight 1, with its {@code Datacenter} as region and no zone. The endpoint
 * carries no health, and Nomad removes a registration when its allocation stops: an instance is
 * HEALTHY unless its source says {@code checks: true}. Then the results of Nomad's service checks
 * are read per allocation ({@code GET /v1/client/allocation/:alloc_id/checks}, Nomad 1.4+; {@link
 * AllocationChecks} has the rule): once per allocation per answer, at most {@value
 * #CHECK_READS_AT_ONCE} at once per node, each within {@link #CHECKS_TIMEOUT}. A read that fails
 * keeps the instance with the health last read (HEALTHY if none) and is logged once. A check's
 * status moves no index, so with checks a blocking query is held at most {@link #CHECKS_EVERY}:
 * results are read with every answer and at least that often. The endpoint has no tag parameter, so
 * the Backend's tags are matched here: an instance must carry all of them. Its tags become its
 * metadata ({@code tag.<tag>: "true"}, {@link EndpointMetadata#labels}); a registration has no meta
 * in Nomad's documented answer. Answers are bounded ({@link HashicorpHttp#MAX_BODY}).
 */
public final class NomadClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * With {@code checks: true}, the longest a blocking query is held, so how stale a check result
   * may get: a check's status moves no index. Each re-read costs one service request and one per
   * allocation; Nomad's own check intervals are typically 10 s or more.
   */
  public static final Duration CHECKS_EVERY = Duration.ofSeconds(10);

  /** How long one allocation's check read may take. */
  static final Duration CHECKS_TIMEOUT = Duration.ofSeconds(2);

  /** How many check reads run at once, across all the watches of this client (one per node). */
  static final int CHECK_READS_AT_ONCE = 8;

  private final NomadSettings settings;
  private final HttpClient http;
  private final AllocationChecks checks = new AllocationChecks();

  /** The node's check reads, {@value #CHECK_READS_AT_ONCE} at once across all watches. */
  private final ThreadPoolExecutor checkReads;

  private NomadClient(NomadSettings settings, HttpClient http) {
    this.settings = settings;
    this.http = http;
    AtomicInteger threads = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            CHECK_READS_AT_ONCE,
            CHECK_READS_AT_ONCE,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            task -> {
              Thread thread =
                  new Thread(task, "meshgate-nomad-checks-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    // Idle unless some Backend reads checks.
    pool.allowCoreThreadTimeOut(true);
    this.checkReads = pool;
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
   * elapses (with {@code checks}, at most {@link #CHECKS_EVERY}), with the health their checks give
   * when the source reads checks. The namespace is the source's, else the settings'.
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
    Duration held = source.readsChecks() && wait.compareTo(CHECKS_EVERY) > 0 ? CHECKS_EVERY : wait;
    if (index > 0) {
      param(query, "index", Long.toString(index));
      param(query, "wait", Math.max(1, held.toSeconds()) + "s");
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
            .timeout(HashicorpHttp.timeout(held))
            .header("Accept", "application/json");
    settings.token().ifPresent(t -> request.header("X-Nomad-Token", t));
    HashicorpHttp.Response response =
        HashicorpHttp.send(http, request.build(), "Nomad's answer for " + source.service());
    if (response.status() != 200) {
      throw new NomadException(response.status(), response.reason());
    }
    List<JsonNode> kept = registrations(JSON.readTree(response.body()), source.tags());
    Map<String, EndpointHealth> health =
        source.readsChecks() ? checkHealth(source, namespace, kept) : Map.of();
    return new BlockingQuery.Answer<>(response.index("X-Nomad-Index"), endpoints(kept, health));
  }

  /** The registrations with an address, a port and every wanted tag. */
  private static List<JsonNode> registrations(JsonNode answer, List<String> wantedTags)
      throws IOException {
    if (!answer.isArray()) {
      throw new IOException("Nomad's answer is not a list of registrations: " + answer);
    }
    List<JsonNode> kept = new ArrayList<>();
    for (JsonNode registration : answer) {
      String address = registration.path("Address").asText("");
      int port = registration.path("Port").asInt(0);
      if (address.isEmpty() || port <= 0 || port > 65535) {
        continue;
      }
      List<String> tags = new ArrayList<>();
      registration.path("Tags").forEach(tag -> tags.add(tag.asText()));
      if (tags.containsAll(wantedTags)) {
        kept.add(registration);
      }
    }
    return kept;
  }

  /**
   * Registrations as endpoints, each with the health of its allocation's checks (HEALTHY when
   * {@code healthByAllocation} has none for it).
   */
  private static List<DiscoveredEndpoint> endpoints(
      List<JsonNode> registrations, Map<String, EndpointHealth> healthByAllocation) {
    List<DiscoveredEndpoint> endpoints = new ArrayList<>();
    for (JsonNode registration : registrations) {
      String address = registration.path("Address").asText("");
      int port = registration.path("Port").asInt(0);
      List<String> tags = new ArrayList<>();
      registration.path("Tags").forEach(tag -> tags.add(tag.asText()));
      EndpointHealth health =
          healthByAllocation.getOrDefault(
              registration.path("AllocID").asText(""), EndpointHealth.HEALTHY);
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
              health,
              0,
              EndpointMetadata.bounded(EndpointMetadata.labels(Map.of(), tags, Map.of()), source)));
    }
    return endpoints;
  }

  /**
   * Reads the checks of each allocation of {@code registrations} once, on the node's pool of
   * {@value #CHECK_READS_AT_ONCE} readers, each bounded by {@link #CHECKS_TIMEOUT}; a read that
   * fails or runs out of time gives the health last known.
   */
  private Map<String, EndpointHealth> checkHealth(
      NomadSource source, String namespace, List<JsonNode> registrations)
      throws InterruptedException {
    Set<String> allocIds = new TreeSet<>();
    registrations.forEach(
        r -> {
          String allocId = r.path("AllocID").asText("");
          if (!allocId.isEmpty()) {
            allocIds.add(allocId);
          }
        });
    Map<String, Future<EndpointHealth>> reads = new LinkedHashMap<>();
    for (String allocId : allocIds) {
      reads.put(allocId, checkReads.submit(() -> readChecks(source.service(), namespace, allocId)));
    }
    // Each read takes at most its timeout (the request's covers the answer's head; this deadline
    // its body too). The pool is the node's, shared by every watch that reads checks, so the
    // deadline counts the reads queued ahead of these as well.
    int queued = checkReads.getQueue().size() + checkReads.getActiveCount();
    long deadline =
        System.nanoTime()
            + CHECKS_TIMEOUT.plusSeconds(1).toNanos()
                * ((queued + CHECK_READS_AT_ONCE - 1) / CHECK_READS_AT_ONCE);
    Map<String, EndpointHealth> health = new HashMap<>();
    try {
      for (Map.Entry<String, Future<EndpointHealth>> read : reads.entrySet()) {
        String allocId = read.getKey();
        try {
          EndpointHealth result =
              read.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          health.put(allocId, checks.read(source, allocId, result));
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          health.put(
              allocId,
              checks.failed(
                  source, allocId, cause instanceof Exception ex ? ex : new IOException(cause)));
        } catch (TimeoutException e) {
          read.getValue().cancel(true);
          health.put(
              allocId,
              checks.failed(
                  source,
                  allocId,
                  new IOException("no answer within " + CHECKS_TIMEOUT.toMillis() + " ms")));
        }
      }
    } finally {
      reads.values().forEach(read -> read.cancel(true));
    }
    checks.keepOnly(source, allocIds);
    return health;
  }

  /** One allocation's check results, as the health of {@code service}'s registration in it. */
  private EndpointHealth readChecks(String service, String namespace, String allocId)
      throws IOException, InterruptedException {
    StringBuilder query = new StringBuilder();
    param(query, "namespace", namespace);
    settings.region().ifPresent(region -> param(query, "region", region));
    URI uri =
        settings
            .address()
            .resolve(
                "/v1/client/allocation/"
                    + URLEncoder.encode(allocId, StandardCharsets.UTF_8).replace("+", "%20")
                    + "/checks?"
                    + query);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(CHECKS_TIMEOUT).header("Accept", "application/json");
    settings.token().ifPresent(t -> request.header("X-Nomad-Token", t));
    HashicorpHttp.Response response =
        HashicorpHttp.send(http, request.build(), "Nomad's checks of allocation " + allocId);
    if (response.status() != 200) {
      throw new NomadException(response.status(), response.reason());
    }
    return AllocationChecks.health(JSON.readTree(response.body()), service);
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
