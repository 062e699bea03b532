package io.meshgate.xds.status;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.Condition;
import io.meshgate.config.model.EndpointSourceStatus;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.PagedRead;
import io.meshgate.discovery.EndpointDiscovery;
import io.meshgate.xds.ir.ResolvedIr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the serving side's conditions while this replica leads: after each build and every second,
 * ResolvedRefs and Programmed (from the replicas' ACK summaries) of every resource under {@code
 * /meshgate/v1/conditions/<kind>/<ns>/<name>}, and beside them a Backend's outside sources (count,
 * healthy, index, when changed, since when stale; one entry per source it names), only where it
 * changed, keeping a condition's transition time while its status holds, and deleting the
 * conditions of resources that are gone. Conditions of other types in the same key are kept. Every
 * write is fenced by the leadership term. The latest build wins: a burst of builds is one
 * reconciliation; a failed one is retried, and a new leader reconciles what its predecessor left.
 */
public final class StatusWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);
  // Condition writes per transaction; each transaction adds the writer's stamp.
  private static final int OPS_PER_TXN = 100;
  private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(10);

  private final Client etcd;
  private final Leadership leadership;
  private final Clock clock;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "meshgate-status");
            t.setDaemon(true);
            return t;
          });
  private final AtomicReference<Offer> pending = new AtomicReference<>();

  /** A build's outcome as offered, turned into an {@link Input} on the writer's thread. */
  private record Offer(
      ConfigSnapshot config, ResolvedIr resolved, EndpointDiscovery.Discovered discovered) {}

  // Confined to the writer's thread: the last offer turned into an input, and that input.
  private @Nullable Offer converted;
  private @Nullable Input convertedInput;
  private volatile Input lastWritten;
  private volatile long lastWrittenTerm = -1;

  /**
   * @param groups the groups each resource reaches ({@link Conditions#groupsOf}), computed once per
   *     build: proxies' ACKs move the fleet without a build, and each reconciliation they start
   *     reads the same input
   */
  private record Input(
      ConfigSnapshot config,
      ResolvedIr resolved,
      Map<ResourceKey, Conditions.Freshness> sources,
      Map<ResourceKey, List<EndpointSourceStatus>> endpoints,
      Map<ResourceKey, Set<String>> groups) {}

  /** What the key of one resource holds: the conditions and, for a Backend, its sources. */
  private record Stored(List<Condition> conditions, List<EndpointSourceStatus> endpoints) {}

  /** What the last successful reconciliation saw: the same again needs no work. */
  private record Seen(Input input, Conditions.Fleet fleet, long term) {}

  private Seen seen;

  public StatusWriter(Client etcd, Leadership leadership, Clock clock) {
    this.etcd = requireNonNull(etcd, "etcd");
    this.leadership = requireNonNull(leadership, "leadership");
    this.clock = requireNonNull(clock, "clock");
    // Also reconcile on a timer: a replica that becomes leader writes without waiting for a build.
    thread.scheduleWithFixedDelay(this::reconcileIfNeeded, 1, 1, TimeUnit.SECONDS);
  }

  /** Takes a build's outcome (any thread); the write follows on the writer's thread. */
  public void offer(ConfigSnapshot config, ResolvedIr resolved) {
    offer(config, resolved, EndpointDiscovery.Discovered.empty());
  }

  /**
   * Takes a build's outcome with what the outside sources held at it (any thread): each Backend's
   * source state (EndpointsStale) and a summary of each of its sources; the write follows on the
   * writer's thread.
   */
  public void offer(
      ConfigSnapshot config, ResolvedIr resolved, EndpointDiscovery.Discovered discovered) {
    // Only the latest offer is reconciled; turning it into an input waits for the writer's thread,
    // so a build (on the pipeline's thread) does not pay for it, nor for offers the writer skips.
    pending.set(new Offer(config, resolved, discovered));
    thread.execute(this::reconcileIfNeeded);
  }

  private static Input input(Offer offer) {
    EndpointDiscovery.Discovered discovered = offer.discovered();
    Map<ResourceKey, Conditions.Freshness> freshness = new TreeMap<>();
    discovered
        .states()
        .forEach(
            (backend, state) -> {
              if (!state.pending()) {
                freshness.put(
                    backend,
                    new Conditions.Freshness(state.source(), state.staleSince(), state.problem()));
              }
            });
    Map<ResourceKey, List<EndpointSourceStatus>> endpoints = new TreeMap<>();
    discovered
        .sources()
        .forEach((backend, summaries) -> endpoints.put(backend, endpointSources(summaries)));
    return new Input(
        offer.config(),
        offer.resolved(),
        freshness,
        endpoints,
        Conditions.groupsOf(offer.resolved(), offer.config().resources().values()));
  }

  /** As {@code status.endpoints} shows them: times in seconds, no index where there is none. */
  static List<EndpointSourceStatus> endpointSources(
      List<EndpointDiscovery.SourceSummary> summaries) {
    return summaries.stream()
        .map(
            s ->
                new EndpointSourceStatus(
                    s.source(),
                    s.endpoints(),
                    s.healthy(),
                    s.index() == 0 ? null : s.index(),
                    seconds(s.changedAt()),
                    seconds(s.staleSince())))
        .toList();
  }

  private static @Nullable String seconds(@Nullable Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Runs on every build and every second: proxies' ACKs change without a build. */
  private void reconcileIfNeeded() {
    Offer offer = pending.get();
    if (offer == null || !leadership.leading()) {
      return;
    }
    if (offer != converted) {
      convertedInput = input(offer);
      converted = offer;
    }
    Input input = convertedInput;
    try {
      reconcile(input);
    } catch (Exception e) {
      log.warn("writing conditions failed, retrying: {}", e.toString());
    }
  }

  private void reconcile(Input input) throws Exception {
    Conditions.Fleet fleet = readFleet();
    Seen now = new Seen(input, fleet, leadership.term());
    if (now.equals(seen)) {
      return; // nothing changed since the conditions were last written by this term
    }
    var resources = input.config().resources().values();
    Map<ResourceKey, List<Conditions.Desired>> desired = new LinkedHashMap<>();
    Conditions.resolvedRefs(resources, input.resolved().problems())
        .forEach((k, d) -> desired.computeIfAbsent(k, x -> new ArrayList<>()).add(d));
    Conditions.programmed(resources, input.groups(), fleet)
        .forEach((k, d) -> desired.computeIfAbsent(k, x -> new ArrayList<>()).add(d));
    Conditions.endpointsStale(resources, input.sources())
        .forEach((k, d) -> desired.computeIfAbsent(k, x -> new ArrayList<>()).add(d));
    WafStatus.desired(resources, input.resolved())
        .forEach((k, d) -> desired.computeIfAbsent(k, x -> new ArrayList<>()).add(d));
    Map<ResourceKey, Stored> stored = readAll();
    String at = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    List<Op> ops = new ArrayList<>();
    for (Map.Entry<ResourceKey, List<Conditions.Desired>> entry : desired.entrySet()) {
      Stored was = stored.getOrDefault(entry.getKey(), new Stored(List.of(), List.of()));
      List<Condition> current = was.conditions();
      List<Condition> next = new ArrayList<>(current);
      List<EndpointSourceStatus> endpoints =
          input.endpoints().getOrDefault(entry.getKey(), List.of());
      boolean changed = !endpoints.equals(was.endpoints());
      for (Conditions.Desired want : entry.getValue()) {
        Condition existing =
            current.stream().filter(c -> c.type().equals(want.type())).findFirst().orElse(null);
        if (want.sameAs(existing)) {
          continue;
        }
        String since =
            existing != null && existing.status() == want.status()
                ? existing.lastTransitionTime()
                : at;
        next.removeIf(c -> c.type().equals(want.type()));
        next.add(want.at(since));
        changed = true;
      }
      // A policy that no longer sets waf loses its WafRuleSet rather than keep a stale one.
      if (entry.getValue().stream().noneMatch(d -> d.type().equals(WafStatus.WAF_RULE_SET))
          && next.removeIf(c -> c.type().equals(WafStatus.WAF_RULE_SET))) {
        changed = true;
      }
      if (changed) {
        next.sort(Comparator.comparing(Condition::type));
        ops.add(
            Op.put(
                bytes(Keyspace.conditions(entry.getKey())),
                json(next, endpoints),
                PutOption.DEFAULT));
      }
    }
    for (ResourceKey gone : stored.keySet()) {
      if (!desired.containsKey(gone)) {
        ops.add(Op.delete(bytes(Keyspace.conditions(gone)), DeleteOption.DEFAULT));
      }
    }
    // The term this reconciliation read: its fence and its stamp name the same one.
    Op stamp = writerStamp(now.term());
    for (int i = 0; i < ops.size(); i += OPS_PER_TXN) {
      List<Op> batch = new ArrayList<>(ops.subList(i, Math.min(ops.size(), i + OPS_PER_TXN)));
      batch.add(stamp);
      TxnResponse response =
          etcd.getKVClient()
              .txn()
              .If(leadership.fence(now.term()))
              .Then(batch.toArray(Op[]::new))
              .commit()
              .get(10, TimeUnit.SECONDS);
      if (!response.isSucceeded()) {
        throw new IllegalStateException("no longer the leader; conditions not written");
      }
    }
    if (!ops.isEmpty()) {
      log.debug("wrote {} condition changes at revision {}", ops.size(), input.config().revision());
    }
    seen = now;
  }

  /**
   * The put that names this replica and its term as the writer of a transaction's conditions
   * ({@link Keyspace#CONDITIONS_WRITER}): with the fence, every condition write in etcd's history
   * carries the term it was made in, and a checker can tell that term was current then.
   */
  private Op writerStamp(long term) {
    ObjectNode stamp = Mappers.json().createObjectNode();
    stamp.put("replica", leadership.replicaId());
    stamp.put("term", term);
    return Op.put(
        bytes(Keyspace.CONDITIONS_WRITER),
        ByteSequence.from(stamp.toString(), StandardCharsets.UTF_8),
        PutOption.DEFAULT);
  }

  /**
   * The proxies of one ACK summary. An entry stands for {@code count} proxies alike, {@code nodes}
   * a sample of them; a replica of an earlier release writes one entry per proxy, with its {@code
   * node}.
   */
  static List<Conditions.ProxyAck> proxies(JsonNode summary) {
    String replica = summary.path("replica").asText();
    String group = summary.path("group").asText();
    List<Conditions.ProxyAck> proxies = new ArrayList<>();
    for (JsonNode proxy : summary.path("proxies")) {
      proxies.add(
          new Conditions.ProxyAck(
              replica,
              group,
              proxy.path("nodes").path(0).asText(proxy.path("node").asText()),
              AckState.fromWireName(proxy.path("state").asText()),
              proxy.path("ackedRevision").asLong(-1),
              proxy.path("typeUrl").asText(""),
              proxy.path("errorDetail").asText(""),
              proxy.path("count").asInt(1)));
    }
    return proxies;
  }

  /** Every replica's built revision and proxies, as their AckReporters wrote them. */
  private Conditions.Fleet readFleet() throws Exception {
    Map<String, Long> built = new HashMap<>();
    for (KeyValue kv : range(Keyspace.ROOT + "members/")) {
      JsonNode member = Mappers.json().readTree(kv.getValue().getBytes());
      built.put(member.path("replica").asText(), member.path("builtRevision").asLong(-1));
    }
    Map<String, List<Conditions.ProxyAck>> byGroup = new HashMap<>();
    for (KeyValue kv : range(Keyspace.ROOT + "acks/")) {
      JsonNode summary = Mappers.json().readTree(kv.getValue().getBytes());
      String group = summary.path("group").asText();
      byGroup.computeIfAbsent(group, g -> new ArrayList<>()).addAll(proxies(summary));
    }
    return new Conditions.Fleet(built, byGroup);
  }

  /**
   * Read in pages: one summary per replica and group lists every proxy, so a fleet's summaries (and
   * a large config's conditions) can pass gRPC's 4 MiB limit on a response.
   */
  private List<KeyValue> range(String prefix) throws Exception {
    CompletableFuture<PagedRead.Listing> read =
        PagedRead.all(etcd.getKVClient(), prefix, PAGE_TIMEOUT);
    try {
      return read.get().kvs();
    } finally {
      read.cancel(false); // when interrupted by close(): no further pages
    }
  }

  private Map<ResourceKey, Stored> readAll() throws Exception {
    Map<ResourceKey, Stored> stored = new HashMap<>();
    for (KeyValue kv : range(Keyspace.ROOT + "conditions/")) {
      ResourceKey key = Keyspace.parseResourceKey(kv.getKey().toString(StandardCharsets.UTF_8));
      byte[] json = kv.getValue().getBytes();
      stored.put(key, new Stored(parse(json), parseEndpoints(json)));
    }
    return stored;
  }

  static List<EndpointSourceStatus> parseEndpoints(byte[] json) throws IOException {
    List<EndpointSourceStatus> endpoints = new ArrayList<>();
    for (JsonNode e : Mappers.json().readTree(json).path("endpoints")) {
      endpoints.add(Mappers.json().treeToValue(e, EndpointSourceStatus.class));
    }
    return endpoints;
  }

  static List<Condition> parse(byte[] json) throws IOException {
    List<Condition> conditions = new ArrayList<>();
    for (JsonNode c : Mappers.json().readTree(json).path("conditions")) {
      conditions.add(Mappers.json().treeToValue(c, Condition.class));
    }
    return conditions;
  }

  private static ByteSequence json(List<Condition> conditions, List<EndpointSourceStatus> endpoints)
      throws IOException {
    ObjectNode root = Mappers.json().createObjectNode();
    root.set("conditions", Mappers.json().valueToTree(conditions));
    if (!endpoints.isEmpty()) {
      root.set("endpoints", Mappers.json().valueToTree(endpoints));
    }
    return ByteSequence.from(Mappers.json().writeValueAsBytes(root));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
