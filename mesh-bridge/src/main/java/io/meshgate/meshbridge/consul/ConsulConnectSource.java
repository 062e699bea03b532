package io.meshgate.meshbridge.consul;

import static java.util.Objects.requireNonNull;

import io.meshgate.discovery.BlockingQuery;
import io.meshgate.discovery.consul.ConsulSettings;
import io.meshgate.meshbridge.identity.Denial;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SignedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identities from Consul Connect's CA, through the local agent: the CA roots and the leaf
 * certificate of one service (the gateway as Consul knows it), each watched with a blocking query,
 * so a renewal or a root rotation in Consul arrives as soon as the agent has it. The agent makes
 * the leaf's private key and hands it out with the certificate; meshgate keeps it in memory only.
 *
 * <p>When the agent does not answer, or answers with something unusable, the last good roots and
 * leaf stay in every snapshot, the snapshot carries a {@link IdentitySnapshot.Problem} with the
 * reason and since when, and the queries retry with backoff (0.25 s doubling to {@link
 * #MAX_BACKOFF}, with jitter). A leaf not renewed by {@link #WARN_AT} of its life also makes a
 * problem, hours before it expires (Consul's agent renews between 60 % and 90 % of the life).
 *
 * <p>Threading: two query threads; listeners run one at a time, on either of them.
 */
public final class ConsulConnectSource implements IdentitySource {
  /** How long the agent may hold a blocking query: Consul's default. */
  public static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);

  /** The longest pause between two attempts while the agent fails. */
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** The share of a leaf's life after which a leaf Consul has not renewed is a problem. */
  public static final double WARN_AT = 0.92;

  private static final Logger log = LoggerFactory.getLogger(ConsulConnectSource.class);
  private static final String ROOTS = "roots";
  private static final String LEAF = "leaf";

  private final Optional<String> namespace;
  private final String service;
  private final Clock clock;
  private final String agent;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, IdentitySnapshot.Problem> failures = new ConcurrentHashMap<>();
  private final BlockingQuery<ConsulRoots> rootsQuery;
  private final BlockingQuery<ConsulLeaf> leafQuery;
  private final ConsulSettings consul;
  private final Duration wait;
  private final Duration minInterval;
  // The intentions of each target service the build named, watched while it names them.
  private final Map<SpiffeId, IntentionWatch> targets = new HashMap<>();
  private boolean closed;
  private volatile ConsulRoots roots;
  private volatile ConsulLeaf leaf;
  private volatile String warnedSerial = "";

  private ConsulConnectSource(
      ConsulSettings consul,
      Optional<String> namespace,
      String service,
      Clock clock,
      Duration wait,
      Duration minInterval) {
    this.namespace = requireNonNull(namespace, "namespace");
    this.service = requireNonNull(service, "service");
    this.clock = requireNonNull(clock, "clock");
    this.agent = consul.address().toString();
    this.consul = consul;
    this.wait = wait;
    this.minInterval = minInterval;
    ConnectCaClient rootsClient = new ConnectCaClient(consul, namespace);
    ConnectCaClient leafClient = new ConnectCaClient(consul, namespace);
    this.rootsQuery =
        BlockingQuery.start(
            "consul-connect-roots",
            rootsClient::roots,
            new Watch<>(ROOTS, value -> roots = value),
            wait,
            minInterval,
            MAX_BACKOFF);
    this.leafQuery =
        BlockingQuery.start(
            "consul-connect-leaf-" + service,
            (index, w) -> leafClient.leaf(service, index, w),
            new Watch<>(LEAF, value -> leaf = value),
            wait,
            minInterval,
            MAX_BACKOFF);
  }

  /**
   * Starts watching the roots and {@code service}'s leaf at the agent {@code consul} names.
   *
   * @param service the Consul service name the leaf is for (the gateway's registration)
   */
  public static ConsulConnectSource start(ConsulSettings consul, String service, Clock clock) {
    return start(consul, service, clock, DEFAULT_WAIT, Duration.ofMillis(100));
  }

  /** The same, with the blocking queries' wait and least interval between two requests. */
  public static ConsulConnectSource start(
      ConsulSettings consul, String service, Clock clock, Duration wait, Duration minInterval) {
    return new ConsulConnectSource(consul, Optional.empty(), service, clock, wait, minInterval);
  }

  /**
   * Starts watching the roots and the leaf of {@code service} in Consul namespace {@code namespace}
   * (Enterprise; sent as {@code ns} with the leaf and intention queries).
   */
  public static ConsulConnectSource start(
      ConsulSettings consul, Optional<String> namespace, String service, Clock clock) {
    return new ConsulConnectSource(
        consul, namespace, service, clock, DEFAULT_WAIT, Duration.ofMillis(100));
  }

  /** The service the leaf is for. */
  public String service() {
    return service;
  }

  /** The SPIFFE ID Consul issued to the service, once the leaf has arrived. */
  public Optional<SpiffeId> id() {
    ConsulLeaf current = leaf;
    return current == null ? Optional.empty() : Optional.of(current.id());
  }

  @Override
  public Optional<String> trustDomain() {
    ConsulRoots current = roots;
    return current == null ? Optional.empty() : Optional.of(current.trustDomain());
  }

  @Override
  public IdentitySnapshot snapshotFor(Set<SpiffeId> ids) {
    requireNonNull(ids, "ids");
    ConsulRoots currentRoots = roots;
    ConsulLeaf currentLeaf = leaf;
    Optional<IdentitySnapshot.Problem> problem = problem(currentLeaf);
    if (currentRoots == null) {
      return problem.map(IdentitySnapshot::unavailable).orElse(IdentitySnapshot.empty());
    }
    Map<SpiffeId, IssuedIdentity> identities = new TreeMap<>();
    if (currentLeaf != null
        && ids.contains(currentLeaf.id())
        && currentLeaf.id().trustDomain().equals(currentRoots.trustDomain())) {
      identities.put(currentLeaf.id(), issued(currentLeaf));
    }
    return new IdentitySnapshot(
        Optional.of(currentRoots.bundle()), identities, problem, denials(currentLeaf));
  }

  /** The intentions that deny the leaf's service a target, by Consul's precedence. */
  private List<Denial> denials(@Nullable ConsulLeaf current) {
    if (current == null) {
      return List.of();
    }
    Map<SpiffeId, IntentionWatch> watched;
    synchronized (this) {
      watched = new TreeMap<>(targets);
    }
    List<Denial> denials = new ArrayList<>();
    watched.forEach(
        (target, watch) ->
            ConsulIntention.deciding(watch.latest().get(), current.id().name())
                .filter(intention -> !intention.allow())
                .ifPresent(
                    intention ->
                        denials.add(
                            new Denial(
                                current.id(),
                                target,
                                "Consul intention "
                                    + intention.name()
                                    + (intention.id().isEmpty() ? "" : " [" + intention.id() + "]")
                                    + " denies it"))));
    return List.copyOf(denials);
  }

  /**
   * Watches the intentions of each Consul service among {@code wanted} ({@code .../svc/<name>} IDs
   * of this source's trust domain, once its roots have named it), so that snapshots report the ones
   * that deny this source's service; stops watching the others.
   */
  @Override
  public synchronized void watchTargets(Set<SpiffeId> wanted) {
    if (closed) {
      return;
    }
    Set<SpiffeId> services = new HashSet<>();
    Optional<String> domain = trustDomain();
    for (SpiffeId id : wanted) {
      if (id.path().contains("/svc/") && domain.map(id.trustDomain()::equals).orElse(false)) {
        services.add(id);
      }
    }
    for (var it = targets.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (!services.contains(entry.getKey())) {
        entry.getValue().query().close();
        failures.remove(entry.getValue().what());
        it.remove();
      }
    }
    for (SpiffeId target : services) {
      if (!targets.containsKey(target)) {
        String name = target.name();
        String what = "intentions for " + name;
        AtomicReference<List<ConsulIntention>> latest = new AtomicReference<>(List.of());
        ConnectCaClient client = new ConnectCaClient(consul, namespace);
        BlockingQuery<List<ConsulIntention>> query =
            BlockingQuery.start(
                "consul-intentions-" + name,
                (index, w) -> client.intentions(name, index, w),
                new Watch<>(what, latest::set),
                wait,
                minInterval,
                MAX_BACKOFF);
        targets.put(target, new IntentionWatch(what, query, latest));
      }
    }
  }

  @Override
  public SignedIdentity sign(SpiffeId id, PublicKey publicKey) {
    throw new UnsupportedOperationException(
        "Consul's agent makes the key of its leaf certificates itself; it signs no CSRs");
  }

  @Override
  public Optional<TrustBundle> bundle() {
    ConsulRoots current = roots;
    return current == null ? Optional.empty() : Optional.of(current.bundle());
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  @Override
  public void close() {
    rootsQuery.close();
    leafQuery.close();
    synchronized (this) {
      closed = true;
      targets.values().forEach(watch -> watch.query().close());
      targets.clear();
    }
  }

  @Override
  public String toString() {
    return "ConsulConnectSource[" + service + " at " + agent + "]";
  }

  /** The moment a leaf Consul has not renewed becomes a problem. */
  static Instant warnAt(ConsulLeaf leaf) {
    Duration life = Duration.between(leaf.validAfter(), leaf.validBefore());
    return leaf.validAfter().plusMillis((long) (life.toMillis() * WARN_AT));
  }

  private IssuedIdentity issued(ConsulLeaf current) {
    return new IssuedIdentity(
        current.id(),
        current.chainPem(),
        current.keyPem(),
        current.validAfter(),
        current.validBefore(),
        warnAt(current),
        IssuedIdentity.fingerprintOf(current.chainPem(), current.keyPem()));
  }

  /** The oldest failure of either query, or else a leaf left unrenewed too long. */
  private Optional<IdentitySnapshot.Problem> problem(ConsulLeaf current) {
    Optional<IdentitySnapshot.Problem> failure =
        new ArrayList<>(failures.values())
            .stream().min(Comparator.comparing(IdentitySnapshot.Problem::since));
    if (failure.isPresent() || current == null) {
      return failure;
    }
    Instant warnAt = warnAt(current);
    if (clock.instant().isBefore(warnAt)) {
      return Optional.empty();
    }
    String reason =
        "the Consul leaf certificate of "
            + service
            + " expires at "
            + current.validBefore()
            + " and the agent at "
            + agent
            + " has not renewed it";
    if (!current.serialNumber().equals(warnedSerial)) {
      warnedSerial = current.serialNumber();
      log.warn("{}", reason);
    }
    return Optional.of(new IdentitySnapshot.Problem(reason, warnAt));
  }

  private synchronized void fire() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.error("identity listener failed", e);
      }
    }
  }

  /** One target's intentions, watched. */
  private record IntentionWatch(
      String what,
      BlockingQuery<List<ConsulIntention>> query,
      AtomicReference<List<ConsulIntention>> latest) {}

  /** One query's listener: keeps the value, records failures and recoveries, tells listeners. */
  private final class Watch<T> implements BlockingQuery.Listener<T> {
    private final String what;
    private final Consumer<T> keep;

    Watch(String what, Consumer<T> keep) {
      this.what = what;
      this.keep = keep;
    }

    @Override
    public void changed(T value, long index) {
      keep.accept(value);
      IdentitySnapshot.Problem cleared = failures.remove(what);
      if (cleared != null) {
        log.info("Consul's {} for {} read again after: {}", what, service, cleared);
      }
      log.info("Consul's {} for {} at index {}: {}", what, service, index, value);
      fire();
    }

    @Override
    public void failed(Exception cause, int inARow) {
      String reason =
          "the Consul agent at "
              + agent
              + " gave no usable "
              + what
              + " for "
              + service
              + ": "
              + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage())
              + " (serving the last good one; retrying)";
      IdentitySnapshot.Problem before = failures.get(what);
      failures.put(
          what,
          new IdentitySnapshot.Problem(reason, before == null ? clock.instant() : before.since()));
      if (inARow == 1 || inARow % 10 == 0) {
        log.warn("{} ({} in a row)", reason, inARow);
      }
      if (before == null || !before.reason().equals(reason)) {
        fire();
      }
    }

    @Override
    public void recovered(long index) {
      if (failures.remove(what) != null) {
        log.info("Consul's {} for {} is current again at index {}", what, service, index);
        fire();
      }
    }
  }
}
