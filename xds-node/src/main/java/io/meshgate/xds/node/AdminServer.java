package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.store.Registration;
import io.meshgate.discovery.Registrations;
import io.meshgate.xds.serve.AdsService;
import io.meshgate.xds.serve.StreamStatus;
import io.meshgate.xds.snapshot.GroupSnapshot;
import io.meshgate.xds.snapshot.SnapshotStore;
import io.meshgate.xds.snapshot.TypeResources;
import io.meshgate.xds.snapshot.TypeUrls;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin HTTP: {@code /healthz} (the process runs), {@code /readyz} (the first full load from etcd
 * has been translated, etcd answers and Kafka accepts the applier; else 503 with the reason),
 * {@code /debug/snapshots} (groups and their per-type versions; with {@code ?group=NAME}, that
 * group's resources by name and version), {@code /debug/streams} (each ADS stream's per-type
 * state), and, once {@link #serveProxies} is called, {@code /debug/proxies} and {@code
 * /debug/config}. Only {@code /debug/config} shows resource bodies, and never a Secret's contents
 * or a field Envoy marks sensitive: nothing here can leak a key. Binds to loopback unless told
 * otherwise.
 *
 * <p>With an {@link AdminToken}, {@code /debug} answers only requests that carry {@code
 * Authorization: Bearer <token>}, else 401 with {@code WWW-Authenticate: Bearer} and no detail.
 * {@code /healthz} and {@code /readyz} stay open: orchestrators probe without tokens, and they show
 * only up/down and the not-ready reason (docs/security.md).
 *
 * <p>{@code /metrics} (Prometheus text, once {@link #serveMetrics} is called) stays open too, like
 * {@code /healthz}: Prometheus scrapes without the token. It holds no node id, resource name,
 * version, nonce or secret; its labels are bounded (type, group, outcome, reason, stage, source
 * kind, partition). docs/metrics.md lists every series.
 */
final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  private final HttpServer server;
  private final Optional<AdminToken> token;

  /** Open: every path answers without a token (loopback only). */
  AdminServer(
      InetSocketAddress address,
      Supplier<Optional<String>> notReadyReason,
      SnapshotStore store,
      AdsService ads) {
    this(address, notReadyReason, store, ads, Optional.empty());
  }

  AdminServer(
      InetSocketAddress address,
      Supplier<Optional<String>> notReadyReason,
      SnapshotStore store,
      AdsService ads,
      Optional<AdminToken> token) {
    this.token = requireNonNull(token, "token");
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind admin HTTP to " + address, e);
    }
    context("/healthz", exchange -> reply(exchange, 200, "ok\n", "text/plain"));
    context(
        "/readyz",
        exchange -> {
          Optional<String> reason = notReadyReason.get();
          reply(
              exchange,
              reason.isEmpty() ? 200 : 503,
              reason.map(r -> "not ready: " + r + "\n").orElse("ready\n"),
              "text/plain");
        });
    context(
        "/debug/snapshots",
        guarded(
            token,
            exchange -> {
              Optional<String> group = queryParameter(exchange.getRequestURI(), "group");
              if (group.isEmpty()) {
                reply(exchange, 200, snapshots(store), "application/json");
                return;
              }
              Optional<GroupSnapshot> snapshot = store.get(group.get());
              if (snapshot.isEmpty()) {
                reply(exchange, 404, "no group " + group.get() + "\n", "text/plain");
                return;
              }
              reply(exchange, 200, resources(snapshot.get()), "application/json");
            }));
    context(
        "/debug/streams",
        guarded(token, exchange -> reply(exchange, 200, streams(ads), "application/json")));
    server.start();
  }

  /**
   * Serves {@code /debug/registrations}: the Workloads VMs' agents hold registered, with their
   * checked health, the node they registered through and since when.
   */
  void serveRegistrations(Supplier<Registrations> registrations) {
    context(
        "/debug/registrations",
        guarded(
            token,
            exchange ->
                reply(exchange, 200, registrations(registrations.get()), "application/json")));
  }

  /** The content type of Prometheus' text format, which {@code /metrics} answers in. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** Serves {@code /metrics}, without the admin token: what {@code scrape} gives, as it is. */
  void serveMetrics(Supplier<String> scrape) {
    context("/metrics", exchange -> reply(exchange, 200, scrape.get(), PROMETHEUS_TEXT));
  }

  /**
   * Serves {@code /debug/proxies} (each stream's per-type state) and {@code
   * /debug/config?node=NODE} (what that node's streams were sent; 404 when it has none here).
   */
  void serveProxies(ProxyPages pages) {
    context(
        "/debug/proxies",
        guarded(token, exchange -> reply(exchange, 200, pretty(pages.proxies()), JSON)));
    context(
        "/debug/config",
        guarded(
            token,
            exchange -> {
              Optional<String> node =
                  ProxyPages.nodeParameter(exchange.getRequestURI().getRawQuery());
              if (node.isEmpty()) {
                reply(exchange, 400, "{\"error\": \"?node=NODE is required\"}\n", JSON);
                return;
              }
              Optional<ObjectNode> config = pages.config(node.get());
              if (config.isEmpty()) {
                ObjectNode missing = Mappers.json().createObjectNode();
                missing.put("error", "no stream of node " + node.get() + " on this replica");
                reply(exchange, 404, pretty(missing), JSON);
                return;
              }
              reply(exchange, 200, pretty(config.get()), JSON);
            }));
  }

  private static final String JSON = "application/json";

  private static String registrations(Registrations registrations) {
    ObjectNode root = Mappers.json().createObjectNode();
    root.put("revision", registrations.revision());
    ArrayNode list = root.putArray("registrations");
    for (Registration registration : registrations.all()) {
      ObjectNode entry = list.addObject();
      entry.put("workload", registration.key().toString());
      entry.set("labels", Mappers.json().valueToTree(registration.workload().metadata().labels()));
      entry.set("spec", Mappers.json().valueToTree(registration.workload().spec()));
      entry.put("health", Mappers.json().valueToTree(registration.health()).asText());
      entry.put("output", registration.output());
      entry.put("node", registration.node());
      entry.put("since", registration.since().toString());
      entry.put("agent", registration.instance());
    }
    return pretty(root);
  }

  /**
   * Serves {@code handler} at {@code path}. A handler that fails answers 500 and is logged: the
   * JDK's server would close the connection without a word.
   */
  private void context(String path, HttpHandler handler) {
    server.createContext(
        path,
        exchange -> {
          try {
            handler.handle(exchange);
          } catch (RuntimeException e) {
            log.warn("admin {} failed: {}", path, e.toString());
            reply(
                exchange,
                500,
                "internal error: " + e.getClass().getSimpleName() + " (see the replica's log)\n",
                "text/plain");
          }
        });
  }

  private static HttpHandler guarded(Optional<AdminToken> token, HttpHandler handler) {
    if (token.isEmpty()) {
      return handler;
    }
    return exchange -> {
      if (token.get().admits(exchange.getRequestHeaders().getFirst("Authorization"))) {
        handler.handle(exchange);
      } else {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        exchange.sendResponseHeaders(401, -1);
        exchange.close();
      }
    };
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  private static String snapshots(SnapshotStore store) {
    ObjectNode root = Mappers.json().createObjectNode();
    ArrayNode groups = root.putArray("groups");
    store.groups().stream()
        .sorted()
        .forEach(
            name -> {
              GroupSnapshot snapshot = store.get(name).orElseThrow();
              ObjectNode group = groups.addObject();
              group.put("name", name);
              group.put("revision", snapshot.revision());
              ObjectNode versions = group.putObject("versions");
              for (String type : TypeUrls.ALL) {
                versions.put(
                    type.substring(type.lastIndexOf('.') + 1), snapshot.type(type).version());
              }
            });
    return pretty(root);
  }

  /**
   * One group's resources: per type, the set's version and each resource's name and version (a
   * content hash of the bytes proxies are sent), never the resources themselves.
   */
  private static String resources(GroupSnapshot snapshot) {
    ObjectNode root = Mappers.json().createObjectNode();
    root.put("name", snapshot.group());
    root.put("revision", snapshot.revision());
    ObjectNode types = root.putObject("types");
    for (String type : TypeUrls.ALL) {
      TypeResources resources = snapshot.type(type);
      ObjectNode node = types.putObject(type.substring(type.lastIndexOf('.') + 1));
      node.put("version", resources.version());
      ObjectNode named = node.putObject("resources");
      resources.resources().forEach((name, resource) -> named.put(name, resource.version()));
    }
    return pretty(root);
  }

  /** The first value of a query parameter, decoded; empty when absent or blank. */
  static Optional<String> queryParameter(URI uri, String name) {
    String query = uri.getRawQuery();
    if (query == null) {
      return Optional.empty();
    }
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      String key = equals < 0 ? pair : pair.substring(0, equals);
      if (key.equals(name) && equals >= 0) {
        String value = URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
        return value.isBlank() ? Optional.empty() : Optional.of(value);
      }
    }
    return Optional.empty();
  }

  private static String streams(AdsService ads) {
    ObjectNode root = Mappers.json().createObjectNode();
    ArrayNode streams = root.putArray("streams");
    for (StreamStatus status : ads.streams()) {
      streams.add(Mappers.json().valueToTree(status));
    }
    return pretty(root);
  }

  private static String pretty(Object value) {
    try {
      return Mappers.json().writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void reply(HttpExchange exchange, int status, String body, String contentType)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
