package io.meshgate.meshbridge.istio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import io.meshgate.config.pem.Pem;
import io.meshgate.meshapis.istio.auth.v1.IstioCertificateRequest;
import io.meshgate.meshapis.istio.auth.v1.IstioCertificateResponse;
import io.meshgate.meshapis.istio.auth.v1.IstioCertificateServiceGrpc;
import io.meshgate.meshbridge.ca.KeyPairs;
import io.meshgate.meshbridge.identity.IdentitySnapshot;
import io.meshgate.meshbridge.identity.IdentitySource;
import io.meshgate.meshbridge.identity.IssuedIdentity;
import io.meshgate.meshbridge.identity.SignedIdentity;
import io.meshgate.meshbridge.identity.SpiffeId;
import io.meshgate.meshbridge.identity.TrustBundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identities from istiod's CA ({@code istio.v1.auth.IstioCertificateService/CreateCertificate}),
 * for the one workload ID its service account token stands for, as an Istio sidecar gets its own: a
 * fresh EC P-256 key in memory, a PKCS#10 CSR whose only URI SAN is the ID, the token from its file
 * as {@code authorization: Bearer}. The answer is checked before it is kept: the leaf names exactly
 * the ID and certifies this key, and the chain verifies up to its last certificate, the root.
 *
 * <p>The certificate is renewed at 2/3 of its life ({@link IssuedIdentity#refreshAt()}), read from
 * the injected clock, which the scheduler looks at every {@link #POLL} (and at once on {@link
 * #check()}). The bundle holds every root istiod has answered with until the last leaf it signed
 * for this source has expired, so peers holding older leaves are trusted through a rotation, plus
 * the roots of {@link IstioCaSettings#caCertificate()}. When istiod does not answer or refuses, the
 * current identity stays until it expires, the snapshot carries a {@link IdentitySnapshot.Problem}
 * with the reason and since when, and the request is retried with backoff (0.25 s doubling to
 * {@link #MAX_BACKOFF}, with jitter).
 *
 * <p>Threading: one scheduler thread makes every request and runs the listeners, one at a time.
 */
public final class IstioCaSource implements IdentitySource {
  /** The longest pause between two attempts while istiod fails. */
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** The first pause after a failure. */
  public static final Duration FIRST_BACKOFF = Duration.ofMillis(250);

  /** How long one CreateCertificate call may take. */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  /** How often the scheduler looks at the clock for a due renewal or a root to retire. */
  public static final Duration POLL = Duration.ofSeconds(1);

  /** The largest token file read; a Kubernetes token is a few kilobytes. */
  public static final int MAX_TOKEN_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(IstioCaSource.class);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> CLUSTER_ID =
      Metadata.Key.of("ClusterID", Metadata.ASCII_STRING_MARSHALLER);

  private final IstioCaSettings settings;
  private final SpiffeId id;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  // The roots of settings.caCertificate(), read again when the file changes; the trust manager of
  // the channel to istiod follows them.
  private volatile List<X509Certificate> fileRoots;
  private final @Nullable AdvancedTlsX509TrustManager istiodTrust;
  private String rootsStamp = "";
  private final ManagedChannel channel;
  private final ScheduledExecutorService scheduler;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile State state = State.INITIAL;
  // Only on the scheduler thread.
  private @Nullable ScheduledFuture<?> next;
  private int failuresInARow;
  private Optional<TrustBundle> lastBundle = Optional.empty();
  private volatile boolean closed;

  /** What the source holds; replaced whole, read without a lock. */
  private record State(
      @Nullable IssuedIdentity identity,
      List<SeenRoot> roots,
      Optional<IdentitySnapshot.Problem> problem) {
    static final State INITIAL = new State(null, List.of(), Optional.empty());
  }

  /** A root istiod answered with, trusted until the last leaf it signed for us has expired. */
  private record SeenRoot(X509Certificate certificate, Instant lastLeafExpiry) {}

  private IstioCaSource(IstioCaSettings settings, Clock clock) {
    this.settings = requireNonNull(settings, "settings");
    this.clock = requireNonNull(clock, "clock");
    this.id = settings.id();
    this.fileRoots = settings.caCertificate().map(IstioCaSource::readRoots).orElse(List.of());
    ChannelCredentials credentials;
    if (settings.caCertificate().isPresent()) {
      rootsStamp = stamp(settings.caCertificate().get());
      try {
        istiodTrust =
            AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
                .build();
        istiodTrust.updateTrustCredentials(fileRoots.toArray(new X509Certificate[0]));
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalArgumentException(
            settings.caCertificate().get() + ": cannot trust its certificates: " + e.getMessage(),
            e);
      }
      credentials = TlsChannelCredentials.newBuilder().trustManager(istiodTrust).build();
    } else {
      istiodTrust = null;
      credentials = TlsChannelCredentials.create();
    }
    this.channel = Grpc.newChannelBuilder(settings.address(), credentials).build();
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "istio-ca-" + settings.serviceAccount());
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Starts asking istiod for {@code settings}' identity, at once and then whenever it is due.
   *
   * @throws UncheckedIOException if the CA certificate file cannot be read
   * @throws IllegalArgumentException if it holds no certificate
   */
  public static IstioCaSource start(IstioCaSettings settings, Clock clock) {
    IstioCaSource source = new IstioCaSource(settings, clock);
    source.check();
    return source;
  }

  /** The one ID this source issues. */
  public SpiffeId id() {
    return id;
  }

  /**
   * Looks at the clock now rather than at the next poll: renews if the certificate is due, tells
   * listeners if a root retired. Returns at once; the work runs on the source's thread.
   */
  public void check() {
    if (closed) {
      return;
    }
    try {
      scheduler.execute(this::tick);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
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
    Optional<TrustBundle> bundle = bundle(current, now);
    if (bundle.isEmpty()) {
      return current.problem().map(IdentitySnapshot::unavailable).orElse(IdentitySnapshot.empty());
    }
    IssuedIdentity identity = current.identity();
    Map<SpiffeId, IssuedIdentity> identities =
        identity != null && ids.contains(id) && now.isBefore(identity.notAfter())
            ? Map.of(id, identity)
            : Map.of();
    return new IdentitySnapshot(bundle, identities, current.problem());
  }

  /**
   * Not offered: istiod signs only the identity of the caller's own token, so it would refuse a CSR
   * for another workload's ID.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public SignedIdentity sign(SpiffeId id, PublicKey publicKey) {
    throw new UnsupportedOperationException(
        "istiod signs only the identity of the token meshgate holds ("
            + this.id
            + "); it signs no CSR for other workloads");
  }

  @Override
  public Optional<TrustBundle> bundle() {
    return bundle(state, clock.instant());
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    channel.shutdownNow();
  }

  @Override
  public String toString() {
    return "IstioCaSource[" + id + " from istiod at " + settings.address() + "]";
  }

  /** How many attempts in a row have failed, for tests. */
  int failuresInARow() {
    return failuresInARow;
  }

  // ---- the scheduler thread

  private void tick() {
    if (closed) {
      return;
    }
    reloadRoots();
    State current = state;
    Instant now = clock.instant();
    IssuedIdentity identity = current.identity();
    boolean due =
        identity == null || current.problem().isPresent() || !now.isBefore(identity.refreshAt());
    if (!due) {
      Optional<TrustBundle> bundle = bundle(current, now);
      if (!bundle.equals(lastBundle)) {
        lastBundle = bundle;
        fire();
      }
      schedule(POLL);
      return;
    }
    try {
      issue(now);
      failuresInARow = 0;
      lastBundle = bundle(state, now);
      fire();
      schedule(POLL);
    } catch (Exception e) {
      failed(e, now);
    }
  }

  private void issue(Instant now) throws Exception {
    String token = readToken();
    KeyPair keys = KeyPairs.generate(random);
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    settings.clusterId().ifPresent(cluster -> headers.put(CLUSTER_ID, cluster));
    IstioCertificateResponse answer =
        IstioCertificateServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .createCertificate(
                IstioCertificateRequest.newBuilder()
                    .setCsr(csr(keys))
                    .setValidityDuration(settings.ttl().toSeconds())
                    .build());
    List<X509Certificate> chain = checked(answer, keys.getPublic(), now);
    X509Certificate leaf = chain.get(0);
    X509Certificate root = chain.get(chain.size() - 1);
    Instant notBefore = leaf.getNotBefore().toInstant();
    Instant notAfter = leaf.getNotAfter().toInstant();
    Duration life = Duration.between(notBefore, notAfter);
    String chainPem = Pem.certificates(chain.subList(0, chain.size() - 1));
    String keyPem = Pem.privateKey(keys.getPrivate());
    IssuedIdentity issued =
        new IssuedIdentity(
            id,
            chainPem,
            keyPem,
            notBefore,
            notAfter,
            notBefore.plus(life.multipliedBy(2).dividedBy(3)),
            IssuedIdentity.fingerprintOf(chainPem, keyPem));
    List<SeenRoot> roots = new ArrayList<>();
    boolean known = false;
    for (SeenRoot seen : state.roots()) {
      if (seen.certificate().equals(root)) {
        known = true;
        roots.add(new SeenRoot(root, max(seen.lastLeafExpiry(), notAfter)));
      } else if (seen.lastLeafExpiry().isAfter(now)) {
        roots.add(seen);
      }
    }
    if (!known) {
      roots.add(new SeenRoot(root, notAfter));
      log.info(
          "istiod at {} answered with a root new to {}: {}", settings.address(), id, subject(root));
    }
    Optional<IdentitySnapshot.Problem> cleared = state.problem();
    state = new State(issued, List.copyOf(roots), Optional.empty());
    cleared.ifPresent(problem -> log.info("istiod issued {} again after: {}", id, problem));
    log.info("istiod at {} issued {}", settings.address(), issued);
  }

  private void failed(Exception cause, Instant now) {
    failuresInARow++;
    State current = state;
    String reason =
        "istiod at "
            + settings.address()
            + " issued no certificate for "
            + id
            + ": "
            + describe(cause)
            + (current.identity() == null
                ? " (retrying)"
                : " (serving the last good one until "
                    + current.identity().notAfter()
                    + "; retrying)");
    Optional<IdentitySnapshot.Problem> before = current.problem();
    IdentitySnapshot.Problem problem =
        new IdentitySnapshot.Problem(
            reason, before.map(IdentitySnapshot.Problem::since).orElse(now));
    state = new State(current.identity(), current.roots(), Optional.of(problem));
    if (failuresInARow == 1 || failuresInARow % 10 == 0) {
      log.warn("{} ({} in a row)", reason, failuresInARow);
    }
    if (before.isEmpty() || !before.get().reason().equals(reason)) {
      fire();
    }
    channel.resetConnectBackoff();
    schedule(backoff(failuresInARow));
  }

  private void schedule(Duration delay) {
    if (closed) {
      return;
    }
    if (next != null) {
      next.cancel(false);
    }
    try {
      next = scheduler.schedule(this::tick, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  /** 0.25 s doubling up to {@link #MAX_BACKOFF}, each pause between half and all of it. */
  static Duration backoff(int failuresInARow) {
    long millis = FIRST_BACKOFF.toMillis() << Math.min(failuresInARow - 1, 16);
    long capped = Math.min(millis, MAX_BACKOFF.toMillis());
    return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
  }

  private void fire() {
    synchronized (listeners) {
      for (Runnable listener : listeners) {
        try {
          listener.run();
        } catch (RuntimeException e) {
          log.error("identity listener failed", e);
        }
      }
    }
  }

  // ---- requests and answers

  private String readToken() throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(settings.tokenFile())) {
      bytes = in.readNBytes(MAX_TOKEN_BYTES + 1);
    }
    if (bytes.length > MAX_TOKEN_BYTES) {
      throw new IOException(
          "the token file "
              + settings.tokenFile()
              + " is larger than "
              + MAX_TOKEN_BYTES
              + " bytes");
    }
    String token = new String(bytes, UTF_8).strip();
    Arrays.fill(bytes, (byte) 0);
    if (token.isEmpty() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IOException(
          "the token file " + settings.tokenFile() + " is empty or not one printable token");
    }
    return token;
  }

  /** A PKCS#10 CSR, PEM, with no subject and the ID as its only (critical) URI SAN. */
  private String csr(KeyPair keys) throws IOException, OperatorCreationException {
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(
        Extension.subjectAlternativeName,
        true,
        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString())));
    byte[] der =
        new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), keys.getPublic())
            .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
            .getEncoded();
    return Pem.encode("CERTIFICATE REQUEST", der);
  }

  /** The answer's certificates, leaf first, once they are what was asked for. */
  private List<X509Certificate> checked(IstioCertificateResponse answer, PublicKey key, Instant now)
      throws InvalidAnswerException {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      for (String pem : answer.getCertChainList()) {
        chain.addAll(Pem.certificates(pem, "istiod's answer"));
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidAnswerException(e.getMessage());
    }
    if (chain.size() < 2) {
      throw new InvalidAnswerException(
          chain.size() + " certificate(s) in the chain (expected: the leaf, then up to the root)");
    }
    X509Certificate leaf = chain.get(0);
    List<String> uris = uris(leaf);
    if (!uris.equals(List.of(id.toString()))) {
      throw new InvalidAnswerException("the leaf names " + uris + ", not " + id);
    }
    if (!Arrays.equals(leaf.getPublicKey().getEncoded(), key.getEncoded())) {
      throw new InvalidAnswerException("the leaf certifies another key than the CSR's");
    }
    if (!leaf.getNotAfter().toInstant().isAfter(now)) {
      throw new InvalidAnswerException("the leaf expired at " + leaf.getNotAfter().toInstant());
    }
    for (int i = 0; i < chain.size(); i++) {
      X509Certificate issuer = chain.get(Math.min(i + 1, chain.size() - 1));
      try {
        chain.get(i).verify(issuer.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new InvalidAnswerException(
            "certificate "
                + i
                + " of the chain ("
                + subject(chain.get(i))
                + ") is not signed by "
                + (i + 1 < chain.size() ? "the next one" : "itself, so it is no root"));
      }
      if (i > 0 && chain.get(i).getBasicConstraints() < 0) {
        throw new InvalidAnswerException("certificate " + i + " of the chain is not a CA");
      }
    }
    return List.copyOf(chain);
  }

  private static final class InvalidAnswerException extends Exception {
    InvalidAnswerException(String message) {
      super("an unusable answer: " + message);
    }
  }

  private static String describe(Exception cause) {
    if (cause instanceof StatusRuntimeException) {
      StatusRuntimeException status = (StatusRuntimeException) cause;
      return status.getStatus().getCode()
          + (status.getStatus().getDescription() == null
              ? ""
              : ": " + status.getStatus().getDescription());
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  // ---- the bundle

  private Optional<TrustBundle> bundle(State current, Instant now) {
    if (current.roots().isEmpty()) {
      return Optional.empty();
    }
    @Nullable IssuedIdentity identity = current.identity();
    X509Certificate currentRoot = current.roots().get(current.roots().size() - 1).certificate();
    List<X509Certificate> trusted = new ArrayList<>(fileRoots);
    for (SeenRoot seen : current.roots()) {
      boolean live =
          seen.lastLeafExpiry().isAfter(now)
              || (identity != null && seen.certificate().equals(currentRoot));
      if (live && !trusted.contains(seen.certificate())) {
        trusted.add(seen.certificate());
      }
    }
    List<String> pems = new ArrayList<>();
    for (X509Certificate root : trusted) {
      pems.add(Pem.certificates(List.of(root)));
    }
    return Optional.of(new TrustBundle(settings.trustDomain(), pems));
  }

  /**
   * Reads the CA file again when its modification time or size changed (an operator adding Istio's
   * new root for a rotation): the channel to istiod and the bundle trust the new roots from then
   * on. A file that cannot be read or holds no certificate keeps the roots in use, said once.
   */
  private void reloadRoots() {
    if (istiodTrust == null || settings.caCertificate().isEmpty()) {
      return;
    }
    Path file = settings.caCertificate().get();
    String stamp = stamp(file);
    if (stamp.equals(rootsStamp)) {
      return;
    }
    rootsStamp = stamp;
    try {
      List<X509Certificate> roots = readRoots(file);
      if (roots.equals(fileRoots)) {
        return;
      }
      istiodTrust.updateTrustCredentials(roots.toArray(new X509Certificate[0]));
      fileRoots = roots;
      log.info("{}: trusting the {} certificates now in {}", this, roots.size(), file);
    } catch (RuntimeException | IOException | GeneralSecurityException e) {
      log.warn("{}: keeping the roots in use, {} cannot be used: {}", this, file, e.getMessage());
    }
  }

  /** A file's modification time and size; empty when it cannot be read. */
  private static String stamp(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis() + "/" + Files.size(file);
    } catch (IOException e) {
      return "";
    }
  }

  private static List<X509Certificate> readRoots(Path file) {
    try {
      List<X509Certificate> roots = Pem.certificates(Files.readString(file), file.toString());
      if (roots.isEmpty()) {
        throw new IllegalArgumentException(
            file + ": no certificate (expected: istiod's root, PEM)");
      }
      return List.copyOf(roots);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static List<String> uris(X509Certificate certificate) throws InvalidAnswerException {
    try {
      var names = certificate.getSubjectAlternativeNames();
      if (names == null) {
        return List.of();
      }
      return names.stream()
          .filter(
              name -> Integer.valueOf(GeneralName.uniformResourceIdentifier).equals(name.get(0)))
          .map(name -> (String) name.get(1))
          .toList();
    } catch (CertificateParsingException e) {
      throw new InvalidAnswerException("the leaf's names do not parse: " + e.getMessage());
    }
  }

  private static String subject(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName()
        + " #"
        + Base64.getEncoder().encodeToString(certificate.getSerialNumber().toByteArray());
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
