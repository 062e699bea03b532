package io.meshgate.meshbridge.meshca;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.Client;
import io.meshgate.config.pem.Pem;
import io.meshgate.config.seal.Unsealer;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.PrefixView;
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
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
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
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * meshgate's own mesh CA as an {@link IdentitySource}: the roots in etcd ({@link MeshCaRoots}),
 * watched, their keys opened with this replica's seal key.
 *
 * <p><b>Deterministic issuance.</b> Every replica serves byte-identical certificates for the same
 * ID at the same moment, because xDS versions are content hashes and replicas must agree. So
 * nothing in a leaf is random or taken from the moment of the call: the re-issue period R is 2/3 of
 * the TTL; an ID's phase is the SHA-256 of the ID modulo R, so that IDs do not all renew at once;
 * its current window starts at s, the latest phase + k·R not after now. The leaf is valid from s −
 * 5 min to s + TTL, is refreshed at s + R, is signed by the root that signs at s ({@link
 * RootSet#signerAt}) with RFC 6979 nonces, and its key pair and serial are derived from the root's
 * key and {@code id|s|root}. Workloads that keep their own key ({@link #sign}) get a random serial
 * and a window from now instead: those certificates reach only the workload that asked.
 *
 * <p><b>Threading.</b> {@link #snapshotFor}, {@link #sign} and {@link #bundle} may be called from
 * any thread. Listeners run on the one scheduler thread, never concurrently: when the roots change
 * in etcd, and at the next instant an answer would change (the earliest refresh of an identity
 * handed out, a root starting to sign or leaving the bundle).
 */
public final class MeshCaSource implements IdentitySource {
  private static final Logger log = LoggerFactory.getLogger(MeshCaSource.class);
  private static final String KEY_PURPOSE = "meshgate leaf keys";
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

  private final MeshCaSettings settings;
  private final Unsealer unsealer;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final SecureRandom random = new SecureRandom();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final PrefixView<Decoded> view;

  private volatile CaState state = new Pending();
  private volatile boolean closed;

  // Guarded by itself: the identities handed out, by ID, until their refresh.
  private final Map<SpiffeId, Cached> cache = new HashMap<>();

  // Confined to the scheduler thread.
  private @Nullable ScheduledFuture<?> wake;
  // Written on the scheduler thread, read anywhere: the instant the next wake-up is planned for.
  private volatile @Nullable Instant plannedDue;

  private MeshCaSource(
      Client etcd,
      Unsealer unsealer,
      MeshCaSettings settings,
      Clock clock,
      ScheduledExecutorService scheduler,
      boolean ownsScheduler) {
    this.unsealer = requireNonNull(unsealer, "unsealer");
    this.settings = requireNonNull(settings, "settings");
    this.clock = requireNonNull(clock, "clock");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.ownsScheduler = ownsScheduler;
    this.view =
        PrefixView.open(
            requireNonNull(etcd, "etcd"),
            Keyspace.MESH_CA_ROOTS,
            "mesh-ca-view",
            log,
            MeshCaSource::decode,
            listing -> run(() -> onRoots(listing)));
  }

  /**
   * Starts watching the roots on the system clock, with a thread of its own, and returns at once.
   * Does not own the client: close the source first.
   */
  public static MeshCaSource open(Client etcd, Unsealer unsealer, MeshCaSettings settings) {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "meshgate-mesh-ca");
              thread.setDaemon(true);
              return thread;
            });
    return new MeshCaSource(etcd, unsealer, settings, Clock.systemUTC(), scheduler, true);
  }

  /**
   * As {@link #open(Client, Unsealer, MeshCaSettings)}, on {@code clock} and {@code scheduler},
   * which must run one task at a time (listeners must never run concurrently) and is not shut down
   * by {@link #close}. With a manual clock, call {@link #check} after moving it.
   */
  public static MeshCaSource open(
      Client etcd,
      Unsealer unsealer,
      MeshCaSettings settings,
      Clock clock,
      ScheduledExecutorService scheduler) {
    return new MeshCaSource(etcd, unsealer, settings, clock, scheduler, false);
  }

  @Override
  public Optional<String> trustDomain() {
    return Optional.of(settings.trustDomain());
  }

  @Override
  public IdentitySnapshot snapshotFor(Set<SpiffeId> ids) {
    requireNonNull(ids, "ids");
    CaState current = state;
    if (current instanceof Pending) {
      return IdentitySnapshot.empty();
    }
    if (current instanceof Unavailable unavailable) {
      return IdentitySnapshot.unavailable(
          new IdentitySnapshot.Problem(unavailable.reason(), unavailable.since()));
    }
    Ready ready = (Ready) current;
    Instant now = clock.instant();
    Map<SpiffeId, IssuedIdentity> issued = new TreeMap<>();
    Instant earliest = null;
    synchronized (cache) {
      cache.values().removeIf(cached -> !now.isBefore(cached.identity().refreshAt()));
      for (SpiffeId id : ids) {
        if (!id.trustDomain().equals(settings.trustDomain())) {
          continue;
        }
        IssuedIdentity identity = issue(ready, id, now);
        issued.put(id, identity);
        if (earliest == null || identity.refreshAt().isBefore(earliest)) {
          earliest = identity.refreshAt();
        }
      }
    }
    Instant due = plannedDue;
    if (earliest != null && (due == null || earliest.isBefore(due))) {
      run(this::plan);
    }
    return new IdentitySnapshot(
        Optional.of(bundle(ready, now)), issued, Optional.<IdentitySnapshot.Problem>empty());
  }

  @Override
  public SignedIdentity sign(SpiffeId id, PublicKey publicKey) {
    requireNonNull(id, "id");
    requireNonNull(publicKey, "publicKey");
    if (!id.trustDomain().equals(settings.trustDomain())) {
      throw new IllegalArgumentException(
          "id: " + id + " (expected: an ID of trust domain " + settings.trustDomain() + ")");
    }
    CaState current = state;
    if (current instanceof Pending) {
      throw new IllegalStateException("the mesh CA roots were not read from etcd yet");
    }
    if (current instanceof Unavailable unavailable) {
      throw new IllegalStateException(unavailable.reason());
    }
    Ready ready = (Ready) current;
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    MeshCaRoot root = signer(ready, now);
    Instant notAfter = now.plus(settings.leafTtl());
    X509Certificate certificate =
        ready
            .cas()
            .get(root.id())
            .issue(
                new LeafRequest(
                    commonName(id),
                    List.of(new SubjectName.Uri(id.uri())),
                    Purpose.CLIENT_AND_SERVER,
                    publicKey,
                    now.minus(MeshCaSettings.BACKDATE),
                    notAfter,
                    CertificateAuthority.randomSerial(random),
                    Signing.RANDOMIZED));
    return new SignedIdentity(
        id,
        Pem.certificates(List.of(certificate)),
        bundle(ready, now),
        notAfter,
        now.plus(settings.reissuePeriod()));
  }

  @Override
  public Optional<TrustBundle> bundle() {
    CaState current = state;
    return current instanceof Ready ready
        ? Optional.of(bundle(ready, clock.instant()))
        : Optional.empty();
  }

  /** The roots as last read from etcd, oldest first; empty before the first read. */
  public RootSet roots() {
    CaState current = state;
    return current instanceof Ready ready
        ? ready.roots()
        : new RootSet(List.of(), settings.leafTtl());
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /**
   * Runs the listeners now, on the scheduler thread, if the moment planned for the next change has
   * come by the clock, and plans the next one; returns once done. The scheduler does this by itself
   * on a real clock; tests on a manual clock call it after moving the clock.
   */
  void check() {
    try {
      scheduler.submit(this::tick).get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the mesh CA", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("checking the mesh CA failed", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    view.close();
    run(
        () -> {
          if (wake != null) {
            wake.cancel(false);
          }
        });
    if (ownsScheduler) {
      scheduler.shutdown();
    }
  }

  // ---- issuing (any thread; under the cache's lock)

  private IssuedIdentity issue(Ready ready, SpiffeId id, Instant now) {
    Instant windowStart = windowStart(id, now);
    MeshCaRoot root = signer(ready, windowStart);
    String label = id + "|" + windowStart + "|" + root.id();
    Cached cached = cache.get(id);
    if (cached != null && cached.label().equals(label)) {
      return cached.identity();
    }
    CertificateAuthority ca = ready.cas().get(root.id());
    byte[] secret = ca.derivationSecret(KEY_PURPOSE);
    KeyPair keyPair;
    try {
      keyPair = KeyPairs.derive(secret, label);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    Instant notBefore = windowStart.minus(MeshCaSettings.BACKDATE);
    Instant notAfter = windowStart.plus(settings.leafTtl());
    X509Certificate certificate =
        ca.issue(
            new LeafRequest(
                commonName(id),
                List.of(new SubjectName.Uri(id.uri())),
                Purpose.CLIENT_AND_SERVER,
                keyPair.getPublic(),
                notBefore,
                notAfter,
                serial(label),
                Signing.DETERMINISTIC));
    String chainPem = Pem.certificates(List.of(certificate));
    String keyPem = Pem.privateKey(keyPair.getPrivate());
    IssuedIdentity identity =
        new IssuedIdentity(
            id,
            chainPem,
            keyPem,
            notBefore,
            notAfter,
            windowStart.plus(settings.reissuePeriod()),
            IssuedIdentity.fingerprintOf(chainPem, keyPem));
    cache.put(id, new Cached(label, identity));
    return identity;
  }

  /** The latest phase + k·R not after {@code now}, whole seconds. */
  private Instant windowStart(SpiffeId id, Instant now) {
    long period = settings.reissuePeriod().toSeconds();
    long phase =
        new BigInteger(1, sha256(id.toString())).mod(BigInteger.valueOf(period)).longValue();
    long start = phase + Math.floorDiv(now.getEpochSecond() - phase, period) * period;
    return Instant.ofEpochSecond(start);
  }

  private static MeshCaRoot signer(Ready ready, Instant windowStart) {
    return ready
        .roots()
        .signerAt(windowStart)
        .orElseThrow(() -> new IllegalStateException("the mesh CA has no root"));
  }

  private TrustBundle bundle(Ready ready, Instant now) {
    return new TrustBundle(
        settings.trustDomain(),
        ready.roots().trustedAt(now).stream().map(MeshCaRoot::certificatePem).toList());
  }

  /** A positive 128-bit serial from the label: the same leaf gets the same serial everywhere. */
  private static BigInteger serial(String label) {
    BigInteger serial = new BigInteger(1, Arrays.copyOf(sha256("serial|" + label), 16));
    return serial.signum() == 0 ? BigInteger.ONE : serial;
  }

  /** The CN says who, for people reading the certificate; peers go by the URI SAN. */
  private static String commonName(SpiffeId id) {
    String name = id.name();
    return name.length() <= 64 ? name : name.substring(0, 64);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is unavailable", e);
    }
  }

  // ---- on the view's thread

  private static @Nullable Decoded decode(String key, byte[] value, long modRevision) {
    if (!key.equals(Keyspace.MESH_CA_ROOTS)) {
      return null; // another key that merely shares the prefix
    }
    try {
      return new Decoded(MeshCaRoot.parseAll(new String(value, UTF_8), key), Optional.empty());
    } catch (IllegalArgumentException e) {
      return new Decoded(List.of(), Optional.of(e.getMessage()));
    }
  }

  // ---- on the scheduler thread

  private void onRoots(PrefixView.Listing<Decoded> listing) {
    Decoded decoded = listing.values().get(Keyspace.MESH_CA_ROOTS);
    CaState next;
    if (decoded == null || (decoded.problem().isEmpty() && decoded.roots().isEmpty())) {
      next =
          unavailable(
              "no mesh CA root in etcd at "
                  + Keyspace.MESH_CA_ROOTS
                  + ": a node started with a seal key (MESHGATE_SEAL_KEY) creates the first one");
    } else if (decoded.problem().isPresent()) {
      next =
          unavailable(
              "the mesh CA roots do not read ("
                  + decoded.problem().get()
                  + "); restore the value or delete the key to start a new CA");
    } else {
      next = open(decoded.roots());
    }
    state = next;
    synchronized (cache) {
      cache.clear();
    }
    if (next instanceof Unavailable unavailable) {
      log.warn("mesh CA unavailable: {}", unavailable.reason());
    } else {
      log.info("mesh CA roots at revision {}: {}", listing.revision(), decoded.roots());
    }
    fire();
    plan();
  }

  /** Unavailable for {@code reason}, since the state stopped being ready. */
  private Unavailable unavailable(String reason) {
    return new Unavailable(
        reason, state instanceof Unavailable before ? before.since() : clock.instant());
  }

  private CaState open(List<MeshCaRoot> roots) {
    Map<String, CertificateAuthority> cas = new HashMap<>();
    for (MeshCaRoot root : roots) {
      try {
        cas.put(root.id(), root.open(unsealer));
      } catch (IllegalStateException e) {
        return unavailable(e.getMessage());
      }
    }
    return new Ready(new RootSet(roots, settings.leafTtl()), Map.copyOf(cas));
  }

  private void tick() {
    if (closed) {
      return;
    }
    Instant now = clock.instant();
    Instant due = plannedDue;
    if (due != null && !now.isBefore(due)) {
      synchronized (cache) {
        cache.values().removeIf(cached -> !now.isBefore(cached.identity().refreshAt()));
      }
      fire();
    }
    plan();
  }

  /** Plans the next wake-up: the earliest refresh handed out, or the roots' next change. */
  private void plan() {
    if (closed) {
      return;
    }
    Instant now = clock.instant();
    Instant next;
    synchronized (cache) {
      next =
          cache.values().stream()
              .map(cached -> cached.identity().refreshAt())
              .min(Instant::compareTo)
              .orElse(null);
    }
    CaState current = state;
    if (current instanceof Ready ready) {
      Optional<Instant> change = ready.roots().nextChange(now);
      if (change.isPresent() && (next == null || change.get().isBefore(next))) {
        next = change.get();
      }
    }
    if (wake != null) {
      wake.cancel(false);
      wake = null;
    }
    plannedDue = next;
    if (next != null) {
      long delay = Math.max(0, Duration.between(now, next).toMillis());
      try {
        wake = scheduler.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closed
      }
    }
  }

  private void fire() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.error("mesh CA listener failed", e);
      }
    }
  }

  private void run(Runnable task) {
    try {
      scheduler.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              log.error("mesh CA: task failed", e);
            }
          });
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  @Override
  public String toString() {
    return "MeshCaSource[" + settings.trustDomain() + ", " + state + "]";
  }

  // ---- state

  /**
   * What the source knows of its CA: one of {@link Pending}, {@link Unavailable}, {@link Ready}.
   */
  private sealed interface CaState permits Pending, Unavailable, Ready {}

  /** The roots were not read yet. */
  private record Pending() implements CaState {}

  /** No CA to issue with, and why. */
  private record Unavailable(String reason, Instant since) implements CaState {}

  /** The roots and their opened CAs, by root id. {@link #toString()} names no key. */
  private record Ready(RootSet roots, Map<String, CertificateAuthority> cas) implements CaState {
    @Override
    public String toString() {
      return "Ready[" + roots.roots() + "]";
    }
  }

  /** The stored value, or why it does not read. */
  private record Decoded(List<MeshCaRoot> roots, Optional<String> problem) {}

  private record Cached(String label, IssuedIdentity identity) {}
}
