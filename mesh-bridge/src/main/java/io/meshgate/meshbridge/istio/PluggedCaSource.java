package io.meshgate.meshbridge.istio;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.pem.Pem;
import io.meshgate.meshbridge.ca.CertificateAuthority;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.ca.LeafRequest;
import io.meshgate.meshbridge.ca.Purpose;
import io.meshgate.meshbridge.ca.Signing;
import io.meshgate.meshbridge.ca.SubjectName;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SignedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import io.meshgate.meshbridge.meshca.MeshCaSettings;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identities an Istio mesh trusts without istiod signing them: meshgate signs them itself with the
 * mesh's plugged-in CA, the {@code cacerts} directory istiod reads ({@link PluggedCa} says what is
 * read and checked). For every workload ID of the trust domain asked for ({@code
 * spiffe://<trust-domain>/ns/<namespace>/sa/<service account>}; IDs of another shape or domain are
 * left out) it makes a fresh EC P-256 key in memory and a leaf signed by {@code ca-cert.pem}: the
 * ID as its only URI SAN, client and server use, valid from 5 minutes before the issue ({@link
 * MeshCaSettings#BACKDATE}, for peers whose clocks are behind) to the TTL after it, cut short where
 * {@code ca-cert.pem} expires. The chain served is the leaf, then {@code cert-chain.pem} without
 * the root it may end with: peers validate against the root they already hold from their own
 * bundle, never against one the chain brings (TLS lets the sender leave the trust anchor out), so
 * Envoy gets the leaf and the intermediates, as {@link IssuedIdentity} says every source serves
 * them. The bundle is every certificate of {@code root-cert.pem}, so that during a root rotation
 * the old root and the new are trusted together.
 *
 * <p><b>Renewal.</b> A leaf is re-issued after 2/3 of its life from its issue ({@link
 * IssuedIdentity#refreshAt()}), as the other sources do; listeners are told at the first poll after
 * that. Leaves are random (key and serial) and stay the same between snapshots until then.
 *
 * <p><b>Rotation.</b> Every {@link PluggedCaSettings#poll()} the files' modification times, sizes
 * and file keys are looked at. When they differ the files are read again; if they check out, every
 * later leaf is signed by the new {@code ca-cert.pem} and listeners are told. If they do not (half
 * written, a key that is not the certificate's), the last good CA goes on signing and the snapshot
 * carries a {@link IdentitySnapshot.Problem} naming the file and the fault, since the first bad
 * read, until good files appear. A {@code ca-cert.pem} that expires within the TTL is a problem
 * too: leaves end with it.
 *
 * <p><b>Threading.</b> {@link #snapshotFor}, {@link #sign} and {@link #bundle} may be called from
 * any thread. One scheduler thread polls the files and runs the listeners, one at a time. The
 * private key of {@code ca-key.pem} is held in this process's memory only and is never logged or
 * printed.
 */
public final class PluggedCaSource implements IdentitySource {
  private static final Logger log = LoggerFactory.getLogger(PluggedCaSource.class);
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

  private final PluggedCaSettings settings;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final SecureRandom random = new SecureRandom();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  private volatile State state;
  private volatile boolean closed;

  // Guarded by itself: the identities handed out, by ID, with the CA that signed them.
  private final Map<SpiffeId, Cached> cache = new HashMap<>();

  // Confined to the scheduler thread (and the constructor, before it starts).
  private CacertsStamp seen;
  private Instant lastTick;

  /**
   * The CA signing now, when its files were read, and why newer files were not taken. Replaced
   * whole.
   */
  private record State(PluggedCa ca, Instant readAt, Optional<IdentitySnapshot.Problem> files) {}

  private record Cached(PluggedCa ca, IssuedIdentity identity) {}

  /** A leaf's validity from an issue at {@code issuedAt}. */
  private record Window(Instant issuedAt, Instant notBefore, Instant notAfter) {
    Instant refreshAt() {
      return issuedAt.plus(Duration.between(issuedAt, notAfter).multipliedBy(2).dividedBy(3));
    }
  }

  private PluggedCaSource(
      PluggedCaSettings settings, Clock clock, PluggedCa ca, CacertsStamp stamp, Instant now) {
    this.settings = settings;
    this.clock = clock;
    this.state = new State(ca, now, Optional.empty());
    this.seen = stamp;
    this.lastTick = now;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "meshgate-plugged-ca");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Reads and checks the CA files of {@code settings} now, then polls them on a thread of its own.
   *
   * @throws IllegalArgumentException if a file is missing, too large or wrong; the message names
   *     the file and the fault
   */
  public static PluggedCaSource start(PluggedCaSettings settings, Clock clock) {
    requireNonNull(settings, "settings");
    requireNonNull(clock, "clock");
    Instant now = clock.instant();
    // The stamp before the read: a write in between is seen at the first poll.
    CacertsStamp stamp = CacertsStamp.of(settings.directory());
    PluggedCa ca = PluggedCa.read(settings.directory(), now);
    PluggedCaSource source = new PluggedCaSource(settings, clock, ca, stamp, now);
    log.info("Istio plugged-in CA read from {}: {}", settings.directory(), ca);
    long poll = settings.poll().toMillis();
    source.scheduler.scheduleWithFixedDelay(source::tick, poll, poll, TimeUnit.MILLISECONDS);
    return source;
  }

  @Override
  public Optional<String> trustDomain() {
    return Optional.of(settings.trustDomain());
  }

  @Override
  public IdentitySnapshot snapshotFor(Set<SpiffeId> ids) {
    requireNonNull(ids, "ids");
    State current = state;
    Instant now = clock.instant();
    Map<SpiffeId, IssuedIdentity> issued = new TreeMap<>();
    Optional<Window> window = window(current.ca(), now);
    if (window.isPresent()) {
      synchronized (cache) {
        for (SpiffeId id : ids) {
          if (issues(id)) {
            issued.put(id, cachedOrIssued(current.ca(), id, now, window.get()));
          }
        }
      }
    }
    return new IdentitySnapshot(Optional.of(bundle(current.ca())), issued, problem(current, now));
  }

  /**
   * Signs {@code publicKey} for {@code id} as the leaves of {@link #snapshotFor} are signed, with a
   * random serial, for a workload that keeps its own key (proxyless gRPC).
   *
   * @throws IllegalArgumentException if {@code id} is not a workload ID of the trust domain
   * @throws IllegalStateException if {@code ca-cert.pem} has expired
   */
  @Override
  public SignedIdentity sign(SpiffeId id, PublicKey publicKey) {
    requireNonNull(id, "id");
    requireNonNull(publicKey, "publicKey");
    if (!issues(id)) {
      throw new IllegalArgumentException(
          "id: "
              + id
              + " (expected: spiffe://"
              + settings.trustDomain()
              + "/ns/<namespace>/sa/<service account>)");
    }
    PluggedCa ca = state.ca();
    Instant now = clock.instant();
    Window window = window(ca, now).orElseThrow(() -> new IllegalStateException(expired(ca)));
    X509Certificate leaf = leaf(ca, id, publicKey, window);
    return new SignedIdentity(
        id, chainPem(leaf, ca), bundle(ca), window.notAfter(), window.refreshAt());
  }

  @Override
  public Optional<TrustBundle> bundle() {
    return Optional.of(bundle(state.ca()));
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
  }

  @Override
  public String toString() {
    State current = state;
    return "PluggedCaSource["
        + settings.trustDomain()
        + " from "
        + settings.directory()
        + ", "
        + current.ca()
        + current.files().map(problem -> ", problem=" + problem).orElse("")
        + "]";
  }

  /**
   * Polls now, on the scheduler thread, rather than at the next poll, and returns once done: looks
   * at the files and at the clock (a leaf due, the CA expiring), and tells listeners. Tests on a
   * manual clock call it after moving the clock. Not from a listener.
   */
  void check() {
    if (closed) {
      return;
    }
    try {
      scheduler.submit(this::tick).get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the plugged-in CA", e);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("checking the plugged-in CA failed", e);
    }
  }

  // ---- issuing (any thread; under the cache's lock)

  private boolean issues(SpiffeId id) {
    return id.trustDomain().equals(settings.trustDomain()) && id.asWorkload().isPresent();
  }

  private IssuedIdentity cachedOrIssued(PluggedCa ca, SpiffeId id, Instant now, Window window) {
    Cached cached = cache.get(id);
    if (cached != null && cached.ca() == ca && now.isBefore(cached.identity().refreshAt())) {
      return cached.identity();
    }
    KeyPair keys = KeyPairs.generate(random);
    X509Certificate leaf = leaf(ca, id, keys.getPublic(), window);
    String chainPem = chainPem(leaf, ca);
    String keyPem = Pem.privateKey(keys.getPrivate());
    IssuedIdentity identity =
        new IssuedIdentity(
            id,
            chainPem,
            keyPem,
            window.notBefore(),
            window.notAfter(),
            window.refreshAt(),
            IssuedIdentity.fingerprintOf(chainPem, keyPem));
    cache.put(id, new Cached(ca, identity));
    return identity;
  }

  private X509Certificate leaf(PluggedCa ca, SpiffeId id, PublicKey key, Window window) {
    return ca.authority()
        .issue(
            new LeafRequest(
                commonName(id),
                List.of(new SubjectName.Uri(id.uri())),
                Purpose.CLIENT_AND_SERVER,
                key,
                window.notBefore(),
                window.notAfter(),
                CertificateAuthority.randomSerial(random),
                Signing.RANDOMIZED));
  }

  /** From the backdate to the TTL, inside ca-cert.pem's validity; empty once it has expired. */
  private Optional<Window> window(PluggedCa ca, Instant now) {
    Instant issuedAt = now.truncatedTo(ChronoUnit.SECONDS);
    Instant notBefore = latest(issuedAt.minus(MeshCaSettings.BACKDATE), ca.notBefore());
    Instant notAfter = earliest(issuedAt.plus(settings.ttl()), ca.notAfter());
    if (!notAfter.isAfter(issuedAt) || !notBefore.isBefore(notAfter)) {
      return Optional.empty();
    }
    return Optional.of(new Window(issuedAt, notBefore, notAfter));
  }

  private static String chainPem(X509Certificate leaf, PluggedCa ca) {
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(leaf);
    chain.addAll(ca.chain());
    return Pem.certificates(chain);
  }

  private TrustBundle bundle(PluggedCa ca) {
    return new TrustBundle(
        settings.trustDomain(),
        ca.roots().stream().map(root -> Pem.certificates(List.of(root))).toList());
  }

  /** The CN says who, for people reading the certificate; peers go by the URI SAN. */
  private static String commonName(SpiffeId id) {
    String name = id.name();
    return name.length() <= 64 ? name : name.substring(0, 64);
  }

  // ---- problems

  private Optional<IdentitySnapshot.Problem> problem(State current, Instant now) {
    List<IdentitySnapshot.Problem> problems = new ArrayList<>();
    current.files().ifPresent(problems::add);
    PluggedCa ca = current.ca();
    if (!now.isBefore(ca.notAfter())) {
      problems.add(new IdentitySnapshot.Problem(expired(ca), ca.notAfter()));
    } else if (!now.isBefore(shortFrom(ca))) {
      problems.add(
          new IdentitySnapshot.Problem(
              caCertFile()
                  + " ("
                  + PluggedCa.subject(ca.certificate())
                  + ") expires at "
                  + ca.notAfter()
                  + ", sooner than the certificate TTL "
                  + settings.ttl()
                  + ": leaves end with it; plug in a new intermediate",
              shortFrom(ca)));
    }
    if (problems.size() <= 1) {
      return problems.stream().findFirst();
    }
    return Optional.of(
        new IdentitySnapshot.Problem(
            problems.get(0).reason() + "; " + problems.get(1).reason(),
            earliest(problems.get(0).since(), problems.get(1).since())));
  }

  private String expired(PluggedCa ca) {
    return caCertFile()
        + " ("
        + PluggedCa.subject(ca.certificate())
        + ") expired at "
        + ca.notAfter()
        + ": no certificate is issued until a new intermediate is plugged in";
  }

  /** From when leaves are cut short by ca-cert.pem's expiry. */
  private Instant shortFrom(PluggedCa ca) {
    return ca.notAfter().minus(settings.ttl());
  }

  private String caCertFile() {
    return settings.directory().resolve(PluggedCa.CA_CERT).toString();
  }

  // ---- the scheduler thread

  private void tick() {
    if (closed) {
      return;
    }
    try {
      Instant now = clock.instant();
      boolean changed = false;
      CacertsStamp stamp = CacertsStamp.of(settings.directory());
      if (!stamp.equals(seen)) {
        seen = stamp;
        changed = reread(now);
      }
      PluggedCa ca = state.ca();
      synchronized (cache) {
        changed |=
            cache.values().removeIf(c -> c.ca() != ca || !now.isBefore(c.identity().refreshAt()));
      }
      changed |= crossed(shortFrom(ca), now) || crossed(ca.notAfter(), now);
      lastTick = now;
      if (changed) {
        fire();
      }
    } catch (RuntimeException e) {
      log.error("plugged-in CA: the poll failed", e);
    }
  }

  /** Whether {@code moment} passed since the last tick. */
  private boolean crossed(Instant moment, Instant now) {
    return moment.isAfter(lastTick) && !moment.isAfter(now);
  }

  /** Reads the changed files; whether a snapshot would now differ. */
  private boolean reread(Instant now) {
    State current = state;
    PluggedCa next;
    try {
      next = PluggedCa.read(settings.directory(), now);
    } catch (IllegalArgumentException e) {
      String reason =
          "the plugged-in CA files changed but were not taken: "
              + e.getMessage()
              + "; still signing with "
              + PluggedCa.subject(current.ca().certificate())
              + " as read at "
              + current.readAt();
      Optional<IdentitySnapshot.Problem> before = current.files();
      if (before.isPresent() && before.get().reason().equals(reason)) {
        return false;
      }
      IdentitySnapshot.Problem problem =
          new IdentitySnapshot.Problem(
              reason, before.map(IdentitySnapshot.Problem::since).orElse(now));
      state = new State(current.ca(), current.readAt(), Optional.of(problem));
      log.warn("{}", reason);
      return true;
    }
    if (next.sameAs(current.ca())) {
      if (current.files().isEmpty()) {
        return false;
      }
      state = new State(current.ca(), current.readAt(), Optional.empty());
      log.info("plugged-in CA files in {} read well again: {}", settings.directory(), next);
      return true;
    }
    state = new State(next, now, Optional.empty());
    synchronized (cache) {
      cache.clear();
    }
    log.info("plugged-in CA files in {} changed: now signing with {}", settings.directory(), next);
    return true;
  }

  private void fire() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.error("identity listener failed", e);
      }
    }
  }

  private static Instant latest(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static Instant earliest(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
