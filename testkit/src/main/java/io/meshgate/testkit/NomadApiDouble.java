package io.meshgate.testkit;

import static io.meshgate.testkit.HashicorpApiServer.field;
import static io.meshgate.testkit.HashicorpApiServer.first;
import static io.meshgate.testkit.HashicorpApiServer.quote;
import static io.meshgate.testkit.HashicorpApiServer.text;
import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import io.meshgate.testkit.HashicorpApiServer.Blocking;
import io.meshgate.testkit.HashicorpApiServer.Dialect;
import io.meshgate.testkit.HashicorpApiServer.Request;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * An in-process stand-in for a Nomad agent's HTTP API, for the two endpoints meshgate's discovery
 * uses: Nomad native service discovery's {@code GET /v1/service/:service_name} and an allocation's
 * check results, {@code GET /v1/client/allocation/:alloc_id/checks}. Tests drive it through Java
 * levers ({@link #register}, {@link #deregister}, {@link #setCheck}, {@link #resetIndex}, {@link
 * #failNext}, {@link #failChecks}, {@link #slow}, {@link #stop}/{@link #start}) and point the
 * client under test at {@link #address()}, what {@code NOMAD_ADDR} would hold.
 *
 * <p>Implemented, following HashiCorp's Nomad documentation (api-docs/services "Read Service",
 * api-docs index "Blocking Queries" and "Authentication", commands/service/info):
 *
 * <ul>
 *   <li>{@code GET /v1/service/:service_name} answers a JSON array of service registrations with
 *       {@code ID}, {@code ServiceName}, {@code Namespace}, {@code NodeID}, {@code Datacenter},
 *       {@code JobID}, {@code AllocID}, {@code Tags}, {@code Address}, {@code Port}, {@code
 *       CreateIndex}, {@code ModifyIndex}, sorted by ID; a service without registrations answers
 *       {@code []}. {@code namespace} (default {@code default}) selects the namespace; a namespace
 *       nobody registered in is empty too. {@code region}: the double's own region (default {@code
 *       global}) or none; any other answers 500 {@code No path to region}.
 *   <li>Tags: the Read Service page documents no {@code tag} parameter (only a {@code filter}
 *       expression), so a {@code tag} parameter is ignored like any unknown one and every
 *       registration is returned; clients filter by tag themselves.
 *   <li>Blocking queries: with {@code index > 0} and the service's index not greater than it, the
 *       request is held until the index passes it or {@code wait} elapses (default 5 m, at most 10
 *       m as documented, plus a random jitter of up to wait/16), then answered with the current
 *       data. {@code X-Nomad-Index} is the raft index of the last change to that service in that
 *       namespace (for a service never seen, of the last change anywhere), always at least 1.
 *       {@code X-Nomad-KnownLeader: true} and {@code X-Nomad-LastContact: 0} on every answer.
 *   <li>Index going backwards ({@link #resetIndex}, a snapshot restore): waiting queries answer at
 *       once with the lower index; clients must reset to 0.
 *   <li>ACLs, when built with {@link Builder#aclTokens}: the token comes from {@code
 *       X-Nomad-Token}, else {@code Authorization: Bearer} (both documented). A token the double
 *       does not know answers 403 {@code ACL token not found}; no token means the anonymous token,
 *       which (no anonymous policy, the default once ACLs are bootstrapped) answers 403 {@code
 *       Permission denied}. Unlike Consul, Nomad refuses rather than filters. The two bodies are
 *       the agent's; the pages only say that the endpoint needs {@code namespace:read-job}. Known
 *       tokens may read every namespace.
 *   <li>Malformed input: 400 {@code Invalid index} for an index that is not an unsigned decimal,
 *       400 {@code Invalid wait time} for a wait that is not a Go duration; these bodies are the
 *       agent's, not the pages'.
 *   <li>{@code GET /v1/client/allocation/:alloc_id/checks} (Nomad 1.4+; the Go API's {@code
 *       Allocations().Checks}, {@code nomad alloc checks -json}): a JSON object of the allocation's
 *       check results by check ID, each with {@code ID}, {@code Check}, {@code Group}, {@code Mode}
 *       ({@code healthiness}), {@code Output}, {@code Service}, {@code Status} ({@code success},
 *       {@code failure} or {@code pending}), {@code StatusCode}, {@code Task} (empty: group
 *       services) and {@code Timestamp} (Unix seconds); {@code {}} for an allocation without
 *       checks. An allocation is known while a registration or a check names it; any other answers
 *       404 {@code Unknown allocation "<id>"} (the agent's error text). Not a blocking query: a
 *       check's status moves no index. The same region rule and ACLs as the service endpoint (Nomad
 *       asks {@code namespace:read-job} of the allocation's namespace; known tokens may read every
 *       namespace).
 * </ul>
 *
 * <p>Not implemented: any other endpoint (404), {@code DELETE} and the list endpoint, {@code
 * filter}, {@code choose}, paging ({@code per_page}, {@code next_token}; ignored: everything is one
 * page), the wildcard namespace {@code *}, consistency modes ({@code stale}), per-namespace token
 * policies, check status on the service endpoint (Nomad does not expose it there either), {@code
 * node_id} on the client endpoint. Real Nomad servers clamp waits at 5 minutes; the double follows
 * the documented 10.
 *
 * <p>Threading: levers may be called from any thread. Requests run on a pool of {@value
 * #HANDLER_THREADS} threads so that many blocking queries can wait at once; all catalog state is
 * guarded by one lock, and every change wakes every waiting query, which re-reads its own index.
 * The HTTP plumbing it shares with {@link ConsulApiDouble} is {@link HashicorpApiServer}.
 */
public final class NomadApiDouble implements AutoCloseable {
  /** How many requests (blocking queries included) can be in the double at once. */
  public static final int HANDLER_THREADS = HashicorpApiServer.HANDLER_THREADS;

  // Nomad reads no token from the query string; an index may have all of a uint64's 20 digits.
  private static final Dialect NOMAD = new Dialect("nomad", "X-Nomad", null, 20);
  private static final String READ_SERVICE = "/v1/service/";
  private static final String CLIENT_ALLOCATION = "/v1/client/allocation/";
  private static final String CHECKS = "/checks";

  /** The statuses Nomad documents for a check result. */
  private static final Set<String> CHECK_STATUSES = Set.of("success", "failure", "pending");

  /** One service registration, as Nomad's client writes it for an allocation. */
  public record Registration(
      String id,
      String serviceName,
      String namespace,
      String nodeId,
      String datacenter,
      String jobId,
      String allocId,
      List<String> tags,
      String address,
      int port) {
    public Registration {
      requireNonNull(id, "id");
      requireNonNull(serviceName, "serviceName");
      requireNonNull(namespace, "namespace");
      requireNonNull(nodeId, "nodeId");
      requireNonNull(datacenter, "datacenter");
      requireNonNull(jobId, "jobId");
      requireNonNull(allocId, "allocId");
      tags = List.copyOf(tags);
      requireNonNull(address, "address");
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
    }

    /**
     * A registration in namespace {@code default}, datacenter {@code dc1}, without tags; node, job
     * and allocation IDs are derived from {@code id}.
     */
    public static Registration of(String serviceName, String id, String address, int port) {
      return new Registration(
          id,
          serviceName,
          "default",
          "node-" + id,
          "dc1",
          "job-" + serviceName,
          "alloc-" + id,
          List.of(),
          address,
          port);
    }

    public Registration withTags(String... newTags) {
      return new Registration(
          id,
          serviceName,
          namespace,
          nodeId,
          datacenter,
          jobId,
          allocId,
          List.of(newTags),
          address,
          port);
    }

    public Registration withNamespace(String newNamespace) {
      return new Registration(
          id, serviceName, newNamespace, nodeId, datacenter, jobId, allocId, tags, address, port);
    }

    public Registration withDatacenter(String newDatacenter) {
      return new Registration(
          id, serviceName, namespace, nodeId, newDatacenter, jobId, allocId, tags, address, port);
    }
  }

  /** Options for a double; {@link #start()} binds it. */
  public static final class Builder {
    private String region = "global";
    private @Nullable Set<String> aclTokens;

    private Builder() {}

    /** The agent's region, answered when a query names none; {@code global} by default. */
    public Builder region(String region) {
      this.region = requireNonNull(region, "region");
      return this;
    }

    /** Turns ACLs on: these secret IDs are known (and may read everything); any other is not. */
    public Builder aclTokens(String... tokens) {
      this.aclTokens = Set.of(tokens);
      return this;
    }

    public NomadApiDouble start() {
      NomadApiDouble nomad = new NomadApiDouble(this);
      nomad.server.bind(0);
      return nomad;
    }
  }

  /** What the double has received: method, raw path with query, and the token it resolved. */
  public record ReceivedRequest(String method, String uri, @Nullable String token) {}

  private record ServiceKey(String namespace, String service) {}

  private record Stored(Registration registration, long createIndex, long modifyIndex) {}

  private record CheckKey(String allocId, String service, String check) {}

  private record CheckResult(String status, long timestamp) {}

  private record Failure(int status, String body) {}

  private static final Comparator<CheckKey> CHECK_ORDER =
      Comparator.comparing(CheckKey::allocId)
          .thenComparing(CheckKey::service)
          .thenComparing(CheckKey::check);

  private final String region;
  private final @Nullable Set<String> aclTokens;
  private final HashicorpApiServer server;
  private final ReentrantLock lock;
  // Everything below is guarded by lock.
  private long raftIndex = 1;
  private final Map<String, Stored> registrations = new LinkedHashMap<>();
  private final Map<ServiceKey, Long> serviceIndexes = new HashMap<>();
  private final Map<CheckKey, CheckResult> checks = new TreeMap<>(CHECK_ORDER);
  private final Map<String, Failure> failingChecks = new HashMap<>();

  private NomadApiDouble(Builder builder) {
    this.region = builder.region;
    this.aclTokens = builder.aclTokens;
    this.server = new HashicorpApiServer(NOMAD, this::serve);
    this.lock = server.lock();
  }

  /** A double for region {@code global} without ACLs, already listening. */
  public static NomadApiDouble create() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code http://127.0.0.1:PORT}, the value {@code NOMAD_ADDR} would hold. */
  public String address() {
    return server.address();
  }

  public String region() {
    return region;
  }

  // ---- levers: catalog ------------------------------------------------------------------------

  /** Registers (or replaces, by ID) a service registration. */
  public void register(Registration registration) {
    requireNonNull(registration, "registration");
    lock.lock();
    try {
      Stored previous = registrations.get(registration.id());
      long index = ++raftIndex;
      long created = previous == null ? index : previous.createIndex();
      registrations.put(registration.id(), new Stored(registration, created, index));
      touched(registration, index);
      if (previous != null) {
        touched(previous.registration(), index);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Removes a registration, as Nomad does when its allocation stops. */
  public void deregister(String id) {
    requireNonNull(id, "id");
    lock.lock();
    try {
      Stored removed = registrations.remove(id);
      if (removed == null) {
        throw new IllegalArgumentException(
            "id: " + id + " (expected one of " + new TreeMap<>(registrations).keySet() + ")");
      }
      touched(removed.registration(), ++raftIndex);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sets the status of the check {@code check} of {@code service} in allocation {@code allocId}
   * (creating it), as the allocation's Nomad client records each check run. Like Nomad, it moves no
   * index and wakes no blocking query.
   *
   * @param status {@code success}, {@code failure} or {@code pending}
   */
  public void setCheck(String allocId, String service, String check, String status) {
    requireNonNull(allocId, "allocId");
    requireNonNull(service, "service");
    requireNonNull(check, "check");
    if (!CHECK_STATUSES.contains(status)) {
      throw new IllegalArgumentException(
          "status: " + status + " (expected one of success, failure, pending)");
    }
    lock.lock();
    try {
      checks.put(
          new CheckKey(allocId, service, check),
          new CheckResult(status, System.currentTimeMillis() / 1000));
    } finally {
      lock.unlock();
    }
  }

  /**
   * From now on, reading the checks of allocation {@code allocId} answers {@code status} with
   * {@code body} (a client node that cannot be reached, say), until {@link #answerChecks}.
   */
  public void failChecks(String allocId, int status, String body) {
    requireNonNull(allocId, "allocId");
    requireNonNull(body, "body");
    lock.lock();
    try {
      failingChecks.put(allocId, new Failure(status, body));
    } finally {
      lock.unlock();
    }
  }

  /** Reading the checks of {@code allocId} answers again. */
  public void answerChecks(String allocId) {
    lock.lock();
    try {
      failingChecks.remove(allocId);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves every index back to at most {@code to}, as a snapshot restore does; waiting queries
   * answer at once with the lower index. Clients must then start again from index 0.
   */
  public void resetIndex(long to) {
    if (to < 1) {
      throw new IllegalArgumentException("to: " + to + " (expected: >= 1)");
    }
    lock.lock();
    try {
      raftIndex = to;
      serviceIndexes.replaceAll((key, index) -> Math.min(index, to));
      server.answerWaitingNow();
    } finally {
      lock.unlock();
    }
  }

  /** The current raft index: the index of the last change anywhere. */
  public long raftIndex() {
    lock.lock();
    try {
      return raftIndex;
    } finally {
      lock.unlock();
    }
  }

  // ---- levers: faults -------------------------------------------------------------------------

  /**
   * The next {@code times} requests, whatever they ask, answer {@code status} with {@code body}.
   */
  public void failNext(int status, String body, int times) {
    server.failNext(status, body, times);
  }

  /** Delays every answer by {@code delay} (before any blocking); {@link Duration#ZERO} to stop. */
  public void slow(Duration delay) {
    server.slow(delay);
  }

  /**
   * The agent goes down: the port stops listening and open connections, blocking queries included,
   * are cut (clients see an I/O error, not a hang). Registrations are kept for {@link #start()}.
   */
  public void stop() {
    server.stop();
  }

  /** The agent comes back on the same port, with the registrations it had. */
  public void start() {
    server.start();
  }

  @Override
  public void close() {
    stop();
  }

  // ---- observation ----------------------------------------------------------------------------

  /** How many requests arrived since the double was built (failed and blocking ones included). */
  public long requestCount() {
    return server.requestCount();
  }

  /** The last 10,000 requests, oldest first. */
  public List<ReceivedRequest> requests() {
    return server.requests().stream()
        .map(r -> new ReceivedRequest(r.method(), r.uri(), r.token()))
        .toList();
  }

  // ---- endpoints ------------------------------------------------------------------------------

  private void serve(Request request) throws IOException {
    HttpExchange exchange = request.exchange();
    String path = exchange.getRequestURI().getPath();
    boolean checksPath =
        path.startsWith(CLIENT_ALLOCATION)
            && path.endsWith(CHECKS)
            && path.length() > CLIENT_ALLOCATION.length() + CHECKS.length()
            && path.indexOf('/', CLIENT_ALLOCATION.length()) == path.length() - CHECKS.length();
    if (!checksPath && (!path.startsWith(READ_SERVICE) || path.length() == READ_SERVICE.length())) {
      text(exchange, 404, "404 page not found");
      return;
    }
    if (!exchange.getRequestMethod().equals("GET")) {
      text(exchange, 405, "Invalid method");
      return;
    }
    Map<String, List<String>> params = request.params();
    if (params == null) {
      text(exchange, 400, "Invalid query");
      return;
    }
    Blocking blocking = checksPath ? null : server.blocking(exchange, params);
    if (!checksPath && blocking == null) {
      return;
    }
    String askedRegion = first(params, "region");
    if (!askedRegion.isEmpty() && !askedRegion.equals(region)) {
      text(exchange, 500, "No path to region");
      return;
    }
    String token = request.token();
    if (aclTokens != null) {
      if (token == null) {
        text(exchange, 403, "Permission denied");
        return;
      }
      if (!aclTokens.contains(token)) {
        text(exchange, 403, "ACL token not found");
        return;
      }
    }
    if (checksPath) {
      String allocId = path.substring(CLIENT_ALLOCATION.length(), path.length() - CHECKS.length());
      answerChecks(exchange, allocId);
      return;
    }
    String namespace = first(params, "namespace");
    ServiceKey key =
        new ServiceKey(
            namespace.isEmpty() ? "default" : namespace, path.substring(READ_SERVICE.length()));
    server.answerBlocking(request, blocking, () -> indexOf(key), () -> registrationsJson(key));
  }

  private void answerChecks(HttpExchange exchange, String allocId) throws IOException {
    int status;
    String body;
    lock.lock();
    try {
      Failure failure = failingChecks.get(allocId);
      if (failure != null) {
        status = failure.status();
        body = failure.body();
      } else if (!knownAllocation(allocId)) {
        status = 404;
        body = "Unknown allocation " + quote(allocId);
      } else {
        status = 200;
        body = checksJson(allocId);
      }
    } finally {
      lock.unlock();
    }
    if (status == 200) {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      HashicorpApiServer.send(exchange, status, body);
    } else {
      text(exchange, status, body);
    }
  }

  // ---- catalog (all called with lock held) ----------------------------------------------------

  private boolean knownAllocation(String allocId) {
    return registrations.values().stream()
            .anyMatch(stored -> stored.registration().allocId().equals(allocId))
        || checks.keySet().stream().anyMatch(key -> key.allocId().equals(allocId));
  }

  private String checksJson(String allocId) {
    String group =
        registrations.values().stream()
            .map(Stored::registration)
            .filter(r -> r.allocId().equals(allocId))
            .map(r -> r.jobId() + ".group[0]")
            .findFirst()
            .orElse("");
    StringBuilder json = new StringBuilder("{");
    for (Map.Entry<CheckKey, CheckResult> entry : checks.entrySet()) {
      CheckKey key = entry.getKey();
      if (!key.allocId().equals(allocId)) {
        continue;
      }
      CheckResult result = entry.getValue();
      String id = checkId(key);
      if (json.length() > 1) {
        json.append(',');
      }
      json.append(quote(id)).append(":{");
      field(json, "Check", key.check()).append(',');
      field(json, "Group", group).append(',');
      field(json, "ID", id).append(',');
      field(json, "Mode", "healthiness").append(',');
      field(
              json,
              "Output",
              result.status().equals("success") ? "nomad: ok" : "nomad: " + result.status())
          .append(',');
      field(json, "Service", key.service()).append(',');
      field(json, "Status", result.status()).append(',');
      json.append("\"StatusCode\":")
          .append(result.status().equals("success") ? 200 : 0)
          .append(',');
      field(json, "Task", "").append(',');
      json.append("\"Timestamp\":").append(result.timestamp()).append('}');
    }
    return json.append('}').toString();
  }

  /** A 32-hex-digit ID per check, as Nomad's (an MD5 of the check's coordinates). */
  private static String checkId(CheckKey key) {
    try {
      byte[] sum =
          MessageDigest.getInstance("MD5")
              .digest(
                  (key.allocId() + "\0" + key.service() + "\0" + key.check())
                      .getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sum);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is part of every JDK", e);
    }
  }

  private void touched(Registration registration, long index) {
    serviceIndexes.put(new ServiceKey(registration.namespace(), registration.serviceName()), index);
    server.changed();
  }

  private long indexOf(ServiceKey key) {
    return Math.max(1, serviceIndexes.getOrDefault(key, raftIndex));
  }

  private String registrationsJson(ServiceKey key) {
    List<Stored> matching = new ArrayList<>();
    for (Stored stored : registrations.values()) {
      Registration r = stored.registration();
      if (r.serviceName().equals(key.service()) && r.namespace().equals(key.namespace())) {
        matching.add(stored);
      }
    }
    matching.sort(Comparator.comparing((Stored s) -> s.registration().id()));
    StringBuilder json = new StringBuilder("[");
    for (Stored stored : matching) {
      if (json.length() > 1) {
        json.append(',');
      }
      Registration r = stored.registration();
      json.append('{');
      field(json, "ID", r.id()).append(',');
      field(json, "ServiceName", r.serviceName()).append(',');
      field(json, "Namespace", r.namespace()).append(',');
      field(json, "NodeID", r.nodeId()).append(',');
      field(json, "Datacenter", r.datacenter()).append(',');
      field(json, "JobID", r.jobId()).append(',');
      field(json, "AllocID", r.allocId()).append(",\"Tags\":[");
      for (int i = 0; i < r.tags().size(); i++) {
        json.append(i == 0 ? "" : ",").append(quote(r.tags().get(i)));
      }
      json.append("],");
      field(json, "Address", r.address()).append(",\"Port\":").append(r.port());
      json.append(",\"CreateIndex\":").append(stored.createIndex());
      json.append(",\"ModifyIndex\":").append(stored.modifyIndex()).append('}');
    }
    return json.append(']').toString();
  }

  @Override
  public String toString() {
    return "NomadApiDouble[" + address() + ", region " + region + "]";
  }
}
