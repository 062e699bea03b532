package io.meshgate.discovery;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.BackendSpec;
import io.meshgate.config.model.ConsulSource;
import io.meshgate.config.model.DnsSource;
import io.meshgate.config.model.EndpointSource;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.NomadSource;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.ConfigSnapshot;
import io.meshgate.discovery.consul.ConsulClient;
import io.meshgate.discovery.dns.DnsResolver;
import io.meshgate.discovery.dns.DnsWatch;
import io.meshgate.discovery.nomad.NomadClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the outside sources the config's Backends name — Consul and Nomad services — each with
 * one blocking query however many Backends share it, and publishes what they hold as a {@link
 * Discovered} snapshot whenever any of them changes. A source that stops answering keeps its last
 * endpoints, marked stale since its first failure; it never drops to zero. Every replica runs its
 * own; identical answers give identical snapshots. Thread-safe.
 *
 * <p>Publishing is incremental: each Backend's part of the snapshot is kept, and an answer computes
 * again only the parts of the Backends that name the source it came from (1,000 Backends, one
 * answer: one part, not 1,000).
 */
public final class EndpointDiscovery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EndpointDiscovery.class);

  /** How long Consul may hold a blocking query (its default is 5 minutes; shorter reconnects). */
  static final Duration WAIT = Duration.ofMinutes(5);

  /** The least time between two requests of one watch. */
  static final Duration MIN_INTERVAL = Duration.ofMillis(50);

  /** The longest pause after failures in a row. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /**
   * Where a Backend's discovered endpoints stand.
   *
   * @param source what is watched, e.g. {@code consul/dc1/web}
   * @param index the source's index of the endpoints held; 0 before the first answer
   * @param changedAt when they last changed (an answer with a new index and the same endpoints is
   *     no change); null before the first answer
   * @param staleSince since when the source has not answered; null while it answers
   * @param problem the last failure, for a condition and a log line; null while it answers
   */
  public record SourceState(
      String source,
      long index,
      @Nullable Instant changedAt,
      @Nullable Instant staleSince,
      @Nullable String problem) {
    /** No answer yet, neither endpoints nor a failure. */
    public boolean pending() {
      return changedAt == null && staleSince == null;
    }
  }

  /**
   * What one outside source of a Backend holds, for its status.
   *
   * @param source what is watched, e.g. {@code consul/dc1/web}
   * @param endpoints how many endpoints it holds (kept while it does not answer)
   * @param healthy how many of them are HEALTHY
   * @param index the source's index of the last answer; 0 before it, or for a source without one
   *     (DNS)
   * @param changedAt when its endpoints last changed; null before the first answer
   * @param staleSince since when it has not answered; null while it answers
   */
  public record SourceSummary(
      String source,
      int endpoints,
      int healthy,
      long index,
      @Nullable Instant changedAt,
      @Nullable Instant staleSince) {
    public SourceSummary {
      requireNonNull(source, "source");
    }
  }

  /**
   * The discovered endpoints of every Backend that names an outside source, their states (one per
   * Backend, for EndpointsStale), and a summary of each of its sources in the order the Backend
   * names them.
   */
  public record Discovered(
      EndpointSnapshot endpoints,
      Map<ResourceKey, SourceState> states,
      Map<ResourceKey, List<SourceSummary>> sources) {
    public Discovered {
      requireNonNull(endpoints, "endpoints");
      states = Map.copyOf(states);
      // From a map sorted by the keys' natural order (discovery's), TreeMap copies in linear time.
      TreeMap<ResourceKey, List<SourceSummary>> copy = new TreeMap<>(sources);
      copy.replaceAll((k, v) -> List.copyOf(v));
      sources = Collections.unmodifiableMap(copy);
    }

    /** Without source summaries. */
    public Discovered(EndpointSnapshot endpoints, Map<ResourceKey, SourceState> states) {
      this(endpoints, states, Map.of());
    }

    public static Discovered empty() {
      return new Discovered(EndpointSnapshot.empty(), Map.of(), Map.of());
    }

    /** Backends whose source has neither answered nor failed yet. */
    public Set<ResourceKey> pending() {
      Set<ResourceKey> pending = new HashSet<>();
      states.forEach(
          (k, s) -> {
            if (s.pending()) {
              pending.add(k);
            }
          });
      return pending;
    }
  }

  private final Clients clients;
  private final Consumer<Discovered> listener;
  private final Clock clock;
  private final Map<EndpointSource, Watch> watches = new HashMap<>();

  /**
   * Each Backend's outside sources, each a chain in priority order: one source, or a Consul
   * datacenter and its failovers.
   */
  private final Map<ResourceKey, List<List<EndpointSource>>> backends = new TreeMap<>();

  /** Which Backends name each source, to know whose parts an answer changes. */
  private final Map<EndpointSource, Set<ResourceKey>> namedBy = new HashMap<>();

  // Each Backend's part of the published snapshot as last computed, laid out as the snapshot holds
  // it (absent for a Backend one of whose sources has no watch; no endpoints entry when it has
  // none): a publish copies these sorted maps in linear time instead of sorting every Backend.
  private final TreeMap<ResourceKey, List<DiscoveredEndpoint>> endpointsOfParts = new TreeMap<>();
  private final TreeMap<ResourceKey, SourceState> statesOfParts = new TreeMap<>();
  private final TreeMap<ResourceKey, List<SourceSummary>> summariesOfParts = new TreeMap<>();

  /** Backends whose part must be computed again before the next publish. */
  private final Set<ResourceKey> outdated = new HashSet<>();

  /**
   * One Backend's part of a {@link Discovered}.
   *
   * @param endpoints merged, as {@link EndpointSnapshot} holds them; empty: none (left out)
   */
  private record Part(
      List<DiscoveredEndpoint> endpoints, SourceState state, List<SourceSummary> summaries) {}

  private final Object publishing = new Object();
  private boolean closed;

  /**
   * How the sources are reached.
   *
   * @param consul the Consul client; null when the node has no CONSUL_HTTP_ADDR (Consul Backends
   *     then get no endpoints, and a state that says why)
   * @param nomad the Nomad client; null when the node has no NOMAD_ADDR (likewise)
   * @param dns the resolver for DNS Backends
   */
  public record Clients(
      @Nullable ConsulClient consul, @Nullable NomadClient nomad, DnsResolver dns) {
    public Clients {
      requireNonNull(dns, "dns");
    }
  }

  /** Watching Consul only; DNS through this machine's resolv.conf. */
  public EndpointDiscovery(
      @Nullable ConsulClient consul, Consumer<Discovered> listener, Clock clock) {
    this(consul, null, listener, clock);
  }

  /** Watching Consul and Nomad; DNS through this machine's resolv.conf. */
  public EndpointDiscovery(
      @Nullable ConsulClient consul,
      @Nullable NomadClient nomad,
      Consumer<Discovered> listener,
      Clock clock) {
    this(new Clients(consul, nomad, DnsResolver.system()), listener, clock);
  }

  /** What one answer of an outside source was, for metrics. */
  public enum SyncOutcome {
    /** It answered with endpoints other than its last answer's (or its first). */
    CHANGED,
    /** It answered, with the same endpoints (a blocking query's timeout, a recovery). */
    UNCHANGED,
    /** It did not answer, or answered with an error. */
    FAILED
  }

  /**
   * Told each answer of an outside source, on the source's thread: the kind of source ({@code
   * consul}, {@code consul-connect}, {@code nomad}, {@code dns}) and what it answered.
   */
  @FunctionalInterface
  public interface Syncs {
    Syncs NONE = (kind, outcome) -> {};

    void synced(String kind, SyncOutcome outcome);
  }

  private volatile Syncs syncs = Syncs.NONE;

  /** Tells {@code syncs} of every answer from now on. */
  public void onSync(Syncs syncs) {
    this.syncs = requireNonNull(syncs, "syncs");
  }

  public EndpointDiscovery(Clients clients, Consumer<Discovered> listener, Clock clock) {
    this.clients = requireNonNull(clients, "clients");
    this.listener = requireNonNull(listener, "listener");
    this.clock = requireNonNull(clock, "clock");
  }

  /** One watched service and what it last said. */
  private final class Watch {
    final EndpointSource source;
    final String name;

    /** Whether the source has an index of its own (Consul, Nomad; DNS has none). */
    final boolean indexed;

    /** The last answer as the client gave it, to tell a change from a new index. */
    List<DiscoveredEndpoint> answer = List.of();

    /** The last answer with the index in each endpoint's provenance. */
    List<DiscoveredEndpoint> endpoints = List.of();

    long index;
    @Nullable Instant changedAt;
    @Nullable Instant staleSince;
    @Nullable String problem;
    @Nullable AutoCloseable query;

    Watch(EndpointSource source) {
      this.source = source;
      this.name = nameOf(source);
      this.indexed = !(source instanceof DnsSource);
    }

    SourceState state() {
      return new SourceState(name, index, changedAt, staleSince, problem);
    }

    /** The kind of source, as its name starts: {@code consul}, {@code nomad}, ... */
    String kind() {
      return name.substring(0, name.indexOf('/'));
    }

    SourceSummary summary() {
      int healthy =
          (int) endpoints.stream().filter(e -> e.health() == EndpointHealth.HEALTHY).count();
      return new SourceSummary(
          name, endpoints.size(), healthy, indexed ? index : 0, changedAt, staleSince);
    }
  }

  private static String nameOf(EndpointSource source) {
    if (source instanceof ConsulSource consulSource) {
      return (consulSource.viaConnect() ? "consul-connect/" : "consul/")
          + (consulSource.datacenter() == null ? "local" : consulSource.datacenter())
          + "/"
          + consulSource.service();
    }
    if (source instanceof DnsSource dnsSource) {
      return "dns/" + dnsSource.hostname();
    }
    NomadSource nomadSource = (NomadSource) source;
    return "nomad/"
        + (nomadSource.namespace() == null ? "default" : nomadSource.namespace())
        + "/"
        + nomadSource.service();
  }

  /** Starts watching what the config's Backends name and stops watching what none names now. */
  public void configChanged(ConfigSnapshot config) {
    Map<ResourceKey, List<List<EndpointSource>>> wanted = new TreeMap<>();
    for (Resource backend : config.ofKind(Kind.BACKEND)) {
      BackendSpec spec = backend.spec(BackendSpec.class);
      List<List<EndpointSource>> chains = new ArrayList<>();
      if (spec.consul() != null) {
        ConsulSource consulSource = spec.consul();
        List<EndpointSource> chain = new ArrayList<>();
        chain.add(consulSource.in(consulSource.datacenter()));
        consulSource.failover().forEach(dc -> chain.add(consulSource.in(dc)));
        chains.add(List.copyOf(chain));
      }
      if (spec.nomad() != null) {
        chains.add(List.of(spec.nomad()));
      }
      if (spec.dns() != null) {
        chains.add(List.of(spec.dns()));
      }
      if (!chains.isEmpty()) {
        wanted.put(backend.key(), List.copyOf(chains));
      }
    }
    synchronized (this) {
      if (closed || wanted.equals(backends)) {
        return;
      }
      backends.clear();
      backends.putAll(wanted);
      namedBy.clear();
      wanted.forEach(
          (backend, chains) ->
              chains.forEach(
                  chain ->
                      chain.forEach(
                          source ->
                              namedBy.computeIfAbsent(source, x -> new HashSet<>()).add(backend))));
      endpointsOfParts.clear();
      statesOfParts.clear();
      summariesOfParts.clear();
      outdated.clear();
      outdated.addAll(wanted.keySet());
      Set<EndpointSource> sources = new HashSet<>();
      wanted.values().forEach(chains -> chains.forEach(sources::addAll));
      for (var it = watches.entrySet().iterator(); it.hasNext(); ) {
        var entry = it.next();
        if (!sources.contains(entry.getKey())) {
          closeQuietly(entry.getValue());
          it.remove();
        }
      }
      for (EndpointSource source : sources) {
        watches.computeIfAbsent(source, this::start);
      }
    }
    publish();
  }

  private Watch start(EndpointSource source) {
    Watch watch = new Watch(source);
    BlockingQuery.Listener<List<DiscoveredEndpoint>> listener = listener(watch);
    if (source instanceof DnsSource dnsSource) {
      watch.query = DnsWatch.start(watch.name, dnsSource, clients.dns(), listener);
      return watch;
    }
    BlockingQuery.Fetch<List<DiscoveredEndpoint>> fetch = fetch(source);
    if (fetch == null) {
      watch.staleSince = clock.instant();
      watch.problem =
          source instanceof ConsulSource
              ? "this node has no Consul address (CONSUL_HTTP_ADDR)"
              : "this node has no Nomad address (NOMAD_ADDR)";
      return watch;
    }
    watch.query = BlockingQuery.start(watch.name, fetch, listener, WAIT, MIN_INTERVAL, MAX_BACKOFF);
    return watch;
  }

  /** What a watch's answers do: replace its endpoints, mark or clear it stale, and publish. */
  private BlockingQuery.Listener<List<DiscoveredEndpoint>> listener(Watch watch) {
    return new BlockingQuery.Listener<>() {
      @Override
      public void changed(List<DiscoveredEndpoint> endpoints, long index) {
        synchronized (EndpointDiscovery.this) {
          if (watch.staleSince != null) {
            log.info("{} answers again", watch.name);
          }
          List<DiscoveredEndpoint> answer = List.copyOf(endpoints);
          boolean news = watch.changedAt == null || !answer.equals(watch.answer);
          watch.answer = answer;
          // The index goes into the provenance only: proxies are never sent it, so a new index
          // with the same endpoints gives the same EDS versions.
          watch.endpoints =
              watch.indexed
                  ? answer.stream().map(e -> e.withSource(e.source() + "@" + index)).toList()
                  : answer;
          watch.index = index;
          if (news) {
            watch.changedAt = clock.instant();
          }
          watch.staleSince = null;
          watch.problem = null;
          outdate(watch);
          syncs.synced(watch.kind(), news ? SyncOutcome.CHANGED : SyncOutcome.UNCHANGED);
        }
        publish();
      }

      @Override
      public void recovered(long index) {
        synchronized (EndpointDiscovery.this) {
          watch.staleSince = null;
          watch.problem = null;
          outdate(watch);
        }
        syncs.synced(watch.kind(), SyncOutcome.UNCHANGED);
        log.info("{} answers again, with no change", watch.name);
        publish();
      }

      @Override
      public void failed(Exception cause, int inARow) {
        boolean first;
        synchronized (EndpointDiscovery.this) {
          first = watch.staleSince == null;
          if (first) {
            watch.staleSince = clock.instant();
          }
          watch.problem = describe(cause);
          // Published with the next snapshot, whichever source it comes from.
          outdate(watch);
        }
        syncs.synced(watch.kind(), SyncOutcome.FAILED);
        if (first) {
          log.warn(
              "{} does not answer; its {} endpoints are kept, stale: {}",
              watch.name,
              watch.endpoints.size(),
              watch.problem);
          publish();
        }
      }
    };
  }

  /** The parts of the Backends that name {@code watch}'s source are computed again. */
  // Called holding this object's lock.
  private void outdate(Watch watch) {
    outdated.addAll(namedBy.getOrDefault(watch.source, Set.of()));
  }

  private static void closeQuietly(Watch watch) {
    if (watch.query == null) {
      return;
    }
    try {
      watch.query.close();
    } catch (Exception e) {
      log.warn("stopping {} failed", watch.name, e);
    }
  }

  /** A failure as a status message: the exception's message, or its type when it has none. */
  private static String describe(Exception cause) {
    String message = cause.getMessage();
    return message == null || message.isBlank()
        ? cause.getClass().getSimpleName() + " (" + cause.getClass().getName() + ")"
        : message;
  }

  private BlockingQuery.@Nullable Fetch<List<DiscoveredEndpoint>> fetch(EndpointSource source) {
    if (source instanceof ConsulSource consulSource) {
      ConsulClient consul = clients.consul();
      return consul == null
          ? null
          : (index, wait) -> consul.healthService(consulSource, index, wait);
    }
    NomadSource nomadSource = (NomadSource) source;
    NomadClient nomad = clients.nomad();
    return nomad == null ? null : (index, wait) -> nomad.service(nomadSource, index, wait);
  }

  /**
   * Delivers the current state. Building and delivering happen under one lock, so the listener
   * never gets an older snapshot after a newer one.
   */
  private void publish() {
    synchronized (publishing) {
      Discovered discovered = current();
      if (discovered != null) {
        listener.accept(discovered);
      }
    }
  }

  private synchronized @Nullable Discovered current() {
    if (closed) {
      return null;
    }
    for (ResourceKey backend : outdated) {
      Part part = part(backends.get(backend));
      if (part == null) {
        endpointsOfParts.remove(backend);
        statesOfParts.remove(backend);
        summariesOfParts.remove(backend);
        continue;
      }
      if (part.endpoints().isEmpty()) {
        endpointsOfParts.remove(backend);
      } else {
        endpointsOfParts.put(backend, part.endpoints());
      }
      statesOfParts.put(backend, part.state());
      summariesOfParts.put(backend, part.summaries());
    }
    outdated.clear();
    return new Discovered(new EndpointSnapshot(endpointsOfParts), statesOfParts, summariesOfParts);
  }

  /**
   * A Backend's part from its sources' watches, its endpoints merged; null when a source has no
   * watch.
   */
  // Called holding this object's lock.
  private @Nullable Part part(@Nullable List<List<EndpointSource>> chains) {
    if (chains == null) {
      return null;
    }
    List<DiscoveredEndpoint> all = new ArrayList<>();
    List<Watch> every = new ArrayList<>();
    for (List<EndpointSource> chain : chains) {
      List<Watch> chained = chain.stream().map(watches::get).toList();
      if (chained.contains(null)) {
        return null;
      }
      every.addAll(chained);
      for (int priority = 0; priority < chained.size(); priority++) {
        for (DiscoveredEndpoint endpoint : chained.get(priority).endpoints) {
          all.add(endpoint.withPriority(priority));
        }
      }
    }
    return new Part(
        EndpointSnapshot.merged(all), state(every), every.stream().map(Watch::summary).toList());
  }

  /**
   * The state of every source watched now, sorted by name: for what a replica reports of its
   * sources (the kind is the name's first segment: {@code consul}, {@code nomad}, {@code dns}).
   */
  public synchronized List<SourceState> sources() {
    return watches.values().stream()
        .map(Watch::state)
        .sorted(Comparator.comparing(SourceState::source))
        .toList();
  }

  /** The state of one Backend's sources, if it names any. */
  public synchronized Optional<SourceState> state(ResourceKey backend) {
    List<List<EndpointSource>> chains = backends.get(backend);
    return chains == null
        ? Optional.empty()
        : Optional.of(state(chains.stream().flatMap(List::stream).map(watches::get).toList()));
  }

  /**
   * One state for a Backend's outside sources: pending while any has not answered; else stale while
   * any does not answer (the one stale longest names itself); else the first source's.
   */
  private static SourceState state(List<Watch> chain) {
    SourceState first = chain.get(0).state();
    SourceState stale = null;
    for (Watch watch : chain) {
      SourceState state = watch.state();
      if (state.pending()) {
        return state;
      }
      if (state.staleSince() != null
          && (stale == null || state.staleSince().isBefore(stale.staleSince()))) {
        stale = state;
      }
    }
    return stale != null ? stale : first;
  }

  @Override
  public synchronized void close() {
    closed = true;
    watches
        .values()
        .forEach(
            w -> {
              closeQuietly(w);
            });
    watches.clear();
  }
}
