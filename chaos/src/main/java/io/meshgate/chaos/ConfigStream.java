package io.meshgate.chaos;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.ResourceCodec;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.event.ConfigEvent;
import io.meshgate.config.event.EventEncoder;
import io.meshgate.config.event.EventPublisher;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;

/**
 * The producer: a seeded random stream of config events — Backends (static endpoints) and
 * HTTPRoutes on the Gateway {@value #GATEWAY} in three namespaces, upserted, deleted and changed
 * together in changesets, with a few invalid ones — and the model of what etcd must hold after
 * them. Each change carries its change number where proxies see it (a Backend's endpoint port, an
 * HTTPRoute's {@code x-chaos-NS-NAME} request header), so a proxy that steps back is caught.
 *
 * <p>A publish that Kafka does not acknowledge is retried with the same event (the same {@code
 * ce_id}) until it is, as {@code meshgate apply} is rerun by a user: the applier must record it
 * once however many copies land.
 */
public final class ConfigStream {
  public static final String GATEWAY = "chaos/edge";
  static final List<String> NAMESPACES = List.of("ns-a", "ns-b", "ns-c");
  private static final int BACKENDS = 4;
  private static final int ROUTES = 3;

  /** An endpoint port is this plus the change number. */
  public static final int PORT_BASE = 20_000;

  /** What the applier must answer to an event. */
  public enum Expected {
    APPLIED,
    REJECTED
  }

  /** One event as published, the keys it touches and what must become of it. */
  public record Published(
      ConfigEvent event, String describe, List<ResourceKey> touched, Expected expected) {}

  private final Random random;
  private final EventEncoder encoder = EventEncoder.forSource("meshgate-chaos");
  private final Timeline timeline;
  private final List<Published> published = new ArrayList<>();
  private final Map<ResourceKey, Resource> model = new TreeMap<>();
  private final Map<ResourceKey, List<String>> eventsOf = new LinkedHashMap<>();
  private int change;

  public ConfigStream(Random random, Timeline timeline) {
    this.random = requireNonNull(random, "random");
    this.timeline = requireNonNull(timeline, "timeline");
  }

  /** The Gateway every route attaches to, published first. */
  public Published gateway() {
    Resource gateway =
        parse(
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: edge, namespace: chaos}
            spec:
              listeners:
                - {name: http, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
            """);
    return record(
        encoder.applied(gateway, OptionalLong.empty()),
        "apply " + gateway.key(),
        List.of(gateway.key()),
        Expected.APPLIED,
        List.of(gateway),
        List.of());
  }

  /**
   * The Backend the proxyless gRPC clients call ({@value GrpcCallers#TARGET}), pointing at the echo
   * server on {@code port}; no later event touches it.
   */
  public Published echoBackend(int port) {
    Resource backend =
        parse(
            """
            apiVersion: meshgate.io/v1alpha1
            kind: Backend
            metadata: {name: echo, namespace: %s}
            spec:
              protocol: GRPC
              static:
                endpoints: [{address: 127.0.0.1, port: %d}]
            """
                .formatted(GrpcCallers.NAMESPACE, port));
    return record(
        encoder.applied(backend, OptionalLong.empty()),
        "apply " + backend.key() + " (the echo server)",
        List.of(backend.key()),
        Expected.APPLIED,
        List.of(backend),
        List.of());
  }

  /** The next random event; the model already counts it. */
  public Published next() {
    String ns = NAMESPACES.get(random.nextInt(NAMESPACES.size()));
    double p = random.nextDouble();
    if (p < 0.40) {
      Resource backend = backend(ns, random.nextInt(BACKENDS));
      return record(
          encoder.applied(backend, OptionalLong.empty()),
          "apply " + backend.key() + " port " + (PORT_BASE + change),
          List.of(backend.key()),
          Expected.APPLIED,
          List.of(backend),
          List.of());
    }
    if (p < 0.65) {
      Resource route = route(ns, random.nextInt(ROUTES));
      return record(
          encoder.applied(route, OptionalLong.empty()),
          "apply " + route.key() + " marker " + change,
          List.of(route.key()),
          Expected.APPLIED,
          List.of(route),
          List.of());
    }
    if (p < 0.80) {
      ResourceKey key =
          random.nextBoolean()
              ? new ResourceKey(Kind.BACKEND, ns, "b" + random.nextInt(BACKENDS))
              : new ResourceKey(Kind.HTTP_ROUTE, ns, "r" + random.nextInt(ROUTES));
      String apiVersion =
          key.kind() == Kind.BACKEND ? "meshgate.io/v1alpha1" : "gateway.networking.k8s.io/v1";
      return record(
          encoder.deleted(apiVersion, key, OptionalLong.empty()),
          "delete " + key,
          List.of(key),
          Expected.APPLIED,
          List.of(),
          List.of(key));
    }
    if (p < 0.94) {
      List<Resource> upserts = new ArrayList<>();
      List<ResourceKey> deletes = new ArrayList<>();
      List<ResourceKey> touched = new ArrayList<>();
      for (int b = 0; b < BACKENDS; b++) {
        if (random.nextDouble() < 0.4) {
          Resource backend = backend(ns, b);
          upserts.add(backend);
          touched.add(backend.key());
        }
      }
      for (int r = 0; r < ROUTES; r++) {
        double q = random.nextDouble();
        if (q < 0.3) {
          Resource route = route(ns, r);
          upserts.add(route);
          touched.add(route.key());
        } else if (q < 0.4) {
          ResourceKey key = new ResourceKey(Kind.HTTP_ROUTE, ns, "r" + r);
          deletes.add(key);
          touched.add(key);
        }
      }
      if (touched.isEmpty()) {
        Resource backend = backend(ns, 0);
        upserts.add(backend);
        touched.add(backend.key());
      }
      return record(
          encoder.changeset(ns, upserts, deletes),
          "changeset " + ns + " " + touched,
          touched,
          Expected.APPLIED,
          upserts,
          deletes);
    }
    // invalid: a Backend whose endpoint port is 0; nothing of it may land
    Resource backend = backend(ns, random.nextInt(BACKENDS));
    ConfigEvent valid = encoder.applied(backend, OptionalLong.empty());
    String json = new String(valid.value(), StandardCharsets.UTF_8);
    String broken = json.replace("\"port\":" + (PORT_BASE + change), "\"port\":0");
    if (broken.equals(json)) {
      throw new IllegalStateException("the port to break is not in " + json);
    }
    ConfigEvent invalid =
        new ConfigEvent(
            valid.topic(), valid.key(), valid.headers(), broken.getBytes(StandardCharsets.UTF_8));
    return record(
        invalid,
        "apply invalid " + backend.key() + " (port 0)",
        List.of(backend.key()),
        Expected.REJECTED,
        List.of(),
        List.of());
  }

  private Published record(
      ConfigEvent event,
      String describe,
      List<ResourceKey> touched,
      Expected expected,
      List<Resource> upserts,
      List<ResourceKey> deletes) {
    if (expected == Expected.APPLIED) {
      upserts.forEach(r -> model.put(r.key(), r));
      deletes.forEach(model::remove);
    }
    for (ResourceKey key : touched) {
      eventsOf.computeIfAbsent(key, k -> new ArrayList<>()).add(event.id());
    }
    Published entry = new Published(event, describe, List.copyOf(touched), expected);
    published.add(entry);
    return entry;
  }

  /** Publishes until Kafka acknowledges, retrying the same event; false if {@code stop} says so. */
  public boolean publish(
      EventPublisher publisher, Published entry, java.util.function.BooleanSupplier stop) {
    int attempt = 0;
    while (true) {
      attempt++;
      try {
        publisher.publish(List.of(entry.event()));
        timeline.log(
            "producer",
            entry.describe()
                + " id "
                + entry.event().id()
                + (attempt > 1 ? " (attempt " + attempt + ")" : ""));
        return true;
      } catch (EventPublisher.PublishException e) {
        timeline.log("producer", "publish failed (attempt " + attempt + "): " + e.getMessage());
        if (stop.getAsBoolean()) {
          return false;
        }
        try {
          Thread.sleep(500); // the broker is down; a user's retry loop waits as well
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
  }

  public List<Published> published() {
    return List.copyOf(published);
  }

  /** What etcd must hold at the end, by key. */
  public Map<ResourceKey, Resource> model() {
    return Map.copyOf(model);
  }

  /** The ids of the events that touched each key, in publish order. */
  public Map<ResourceKey, List<String>> eventsOf() {
    Map<ResourceKey, List<String>> copy = new LinkedHashMap<>();
    eventsOf.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return copy;
  }

  public Optional<Published> find(String eventId) {
    return published.stream().filter(p -> p.event().id().equals(eventId)).findFirst();
  }

  private Resource backend(String ns, int index) {
    change++;
    return parse(
        """
        apiVersion: meshgate.io/v1alpha1
        kind: Backend
        metadata: {name: b%d, namespace: %s}
        spec:
          static:
            endpoints: [{address: 127.0.0.1, port: %d}]
        """
            .formatted(index, ns, PORT_BASE + change));
  }

  private Resource route(String ns, int index) {
    change++;
    int first = random.nextInt(BACKENDS);
    int second = (first + 1 + random.nextInt(BACKENDS - 1)) % BACKENDS;
    return parse(
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r%d, namespace: %s}
        spec:
          parentRefs: [{name: edge, namespace: chaos}]
          hostnames: [r%d.%s.example.com]
          rules:
            - matches: [{path: {type: PathPrefix, value: /}}]
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: {add: [{name: %s%s-r%d, value: "%d"}]}
              backendRefs:
                - {group: meshgate.io, kind: Backend, name: b%d, weight: %d}
                - {group: meshgate.io, kind: Backend, name: b%d, weight: %d}
        """
            .formatted(
                index,
                ns,
                index,
                ns,
                SimulatedEnvoy.ROUTE_MARKER_PREFIX,
                ns,
                index,
                change,
                first,
                1 + random.nextInt(9),
                second,
                1 + random.nextInt(9)));
  }

  private static Resource parse(String yaml) {
    List<Document> documents = YamlDocuments.read("chaos", yaml);
    JsonNode tree = documents.get(0).tree();
    if (tree == null) {
      throw new IllegalStateException(documents.get(0).parseError());
    }
    return ResourceCodec.fromTree(tree);
  }
}
