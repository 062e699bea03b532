package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.JwtProvider;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ObjectRef;
import io.meshgate.config.model.RemoteJwks;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.config.store.ConfigSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only code that fetches OIDC discovery documents and remote JWT key sets. For the issuers a
 * config names it fetches each {@code <issuer>/.well-known/openid-configuration} in the background
 * (https, the JDK's trust store unless told otherwise, a deadline per fetch, a bounded body),
 * checks it (OpenID Connect Discovery §4.3: the document's {@code issuer} equals the configured
 * one; https authorization and token endpoints), and fetches it again every {@link
 * Settings#refresh} — after a failure sooner, with backoff. For every {@code
 * jwt.providers[].remoteJWKS} it does the same with the key set's URL (trusting the provider's
 * {@code caCertificateRefs} when it names some; a larger bound, {@link Settings#maxKeySetBytes}),
 * checked as a JWKS ({@link Jwks}). A failed refresh keeps the last good document (as {@link
 * Discovery.Stale}, {@link KnownKeySet.Stale}). Listeners run when what it knows of an issuer or a
 * key set changes, never for an unchanged document. Thread-safe.
 */
public final class IssuerDiscovery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IssuerDiscovery.class);
  private static final String WELL_KNOWN = "/.well-known/openid-configuration";

  /**
   * How discovery fetches.
   *
   * @param tls whose roots a provider's certificate must chain to; null: the JDK's trust store
   * @param timeout connecting and reading one document, together
   * @param maxBytes the largest document accepted
   * @param refresh how often a good document is fetched again
   * @param firstRetry the delay after a first failure; each further failure doubles it, up to
   *     {@code refresh}
   * @param maxKeySetBytes the largest key set accepted (a JWKS with many RSA keys and their
   *     certificate chains outgrows a discovery document's bound)
   */
  public record Settings(
      @Nullable SSLContext tls,
      Duration timeout,
      int maxBytes,
      Duration refresh,
      Duration firstRetry,
      int maxKeySetBytes) {
    public static final Settings DEFAULTS =
        new Settings(
            null,
            Duration.ofSeconds(5),
            64 * 1024,
            Duration.ofMinutes(10),
            Duration.ofSeconds(5),
            256 * 1024);

    public Settings {
      requireNonNull(timeout, "timeout");
      requireNonNull(refresh, "refresh");
      requireNonNull(firstRetry, "firstRetry");
    }

    /** The same, trusting only the roots of {@code tls} (tests give their own CA this way). */
    public Settings withTls(SSLContext tls) {
      return new Settings(
          requireNonNull(tls, "tls"), timeout, maxBytes, refresh, firstRetry, maxKeySetBytes);
    }

    public Settings withTimeout(Duration timeout) {
      return new Settings(tls, timeout, maxBytes, refresh, firstRetry, maxKeySetBytes);
    }

    public Settings withRefresh(Duration refresh, Duration firstRetry) {
      return new Settings(tls, timeout, maxBytes, refresh, firstRetry, maxKeySetBytes);
    }
  }

  /** What is fetched: an issuer's discovery document, or a key set. */
  private sealed interface Watched {
    record Issuer(String issuer) implements Watched {}

    record Keys(KeySetSource source) implements Watched {}
  }

  /**
   * One watched document's state, the same for both kinds: the last good value (an {@link
   * IssuerMetadata} or a {@link KeySet}; null before the first success) and why the last fetch
   * failed (null after a success). Guarded by the discovery's monitor.
   */
  private static final class Entry {
    @Nullable Object good;
    Discovery.@Nullable Failure failure = PENDING;
    int failures;
    @Nullable ScheduledFuture<?> next;

    /** The client of a key set whose provider names its own CA; null: the shared one. */
    @Nullable HttpClient client;
  }

  /** A fetch's result: the checked value, or why there is none. */
  private record Outcome(@Nullable Object good, Discovery.@Nullable Failure failure) {
    static Outcome failed(Discovery.Kind kind, String detail) {
      return new Outcome(null, new Discovery.Failure(kind, detail));
    }
  }

  private static final Discovery.Failure PENDING =
      new Discovery.Failure(Discovery.Kind.PENDING, "");

  private final @Nullable Settings settings;
  private final @Nullable HttpClient client;
  private final @Nullable ScheduledExecutorService timer;
  private final Map<Watched, Entry> entries = new HashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  private IssuerDiscovery(@Nullable Settings settings) {
    this.settings = settings;
    if (settings == null) {
      this.client = null;
      this.timer = null;
      return;
    }
    this.client = client(settings, settings.tls());
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread thread = new Thread(r, "meshgate-issuer-discovery");
              thread.setDaemon(true);
              return thread;
            });
    timer.setRemoveOnCancelPolicy(true);
    this.timer = timer;
  }

  private static HttpClient client(Settings settings, @Nullable SSLContext tls) {
    HttpClient.Builder client =
        HttpClient.newBuilder()
            .connectTimeout(settings.timeout())
            // A discovery document is never a redirect away: the issuer URL is the identity.
            // A key set is fetched from the URL Envoy is given; a redirect is a failure (HTTP 3xx).
            .followRedirects(HttpClient.Redirect.NEVER);
    if (tls != null) {
      client.sslContext(tls);
    }
    return client.build();
  }

  /** Fetches nothing: every issuer and key set stays pending (for pipelines without, and tests). */
  public static IssuerDiscovery none() {
    return new IssuerDiscovery(null);
  }

  /** Fetches as {@code settings} say, from the first {@link #snapshotFor} on. */
  public static IssuerDiscovery start(Settings settings) {
    return new IssuerDiscovery(requireNonNull(settings, "settings"));
  }

  /** Every OIDC issuer a config's SecurityPolicies name. */
  public static Set<String> issuersIn(ConfigSnapshot config) {
    Set<String> issuers = new TreeSet<>();
    for (Resource policy : config.ofKind(Kind.SECURITY_POLICY)) {
      SecurityPolicySpec spec = policy.spec(SecurityPolicySpec.class);
      if (spec.oidc() != null) {
        issuers.add(spec.oidc().issuer());
      }
    }
    return issuers;
  }

  /**
   * Every remote key set a config's SecurityPolicies name, with the CA each trusts. One whose CA
   * Secret is missing is left out: the resolver breaks its policy for that, and never asks.
   */
  public static Set<KeySetSource> keySetsIn(ConfigSnapshot config) {
    Set<KeySetSource> keySets = new HashSet<>();
    for (Resource policy : config.ofKind(Kind.SECURITY_POLICY)) {
      SecurityPolicySpec spec = policy.spec(SecurityPolicySpec.class);
      if (spec.jwt() == null) {
        continue;
      }
      for (JwtProvider provider : spec.jwt().providers()) {
        RemoteJwks remote = provider.remoteJWKS();
        if (remote == null) {
          continue;
        }
        if (remote.caCertificateRefs().isEmpty()) {
          keySets.add(KeySetSource.of(remote.uri()));
          continue;
        }
        StringBuilder pem = new StringBuilder();
        boolean complete = true;
        for (ObjectRef ref : remote.caCertificateRefs()) {
          String ca =
              "Secret".equals(ref.kind()) && ref.group().isEmpty()
                  ? config
                      .get(new ResourceKey(Kind.SECRET, policy.metadata().namespace(), ref.name()))
                      .map(s -> s.spec(SecretSpec.class).data().get("ca.crt"))
                      .orElse(null)
                  : null;
          if (ca == null) {
            complete = false;
            break;
          }
          pem.append(new String(Base64.getDecoder().decode(ca), StandardCharsets.UTF_8));
        }
        if (complete) {
          keySets.add(new KeySetSource(remote.uri(), pem.toString()));
        }
      }
    }
    return keySets;
  }

  /** Runs {@code onChange} (on discovery's thread) whenever what is known of a document changes. */
  public void onChange(Runnable onChange) {
    listeners.add(requireNonNull(onChange, "onChange"));
  }

  /** What is known now of the issuers and key sets in {@code config}; see {@link #snapshotFor}. */
  public IssuerSnapshot snapshotFor(ConfigSnapshot config) {
    return snapshotFor(issuersIn(config), keySetsIn(config));
  }

  /** What is known now of exactly these issuers (and no key set). */
  public IssuerSnapshot snapshotFor(Set<String> issuers) {
    return snapshotFor(issuers, Set.of());
  }

  /**
   * What is known now of exactly these issuers and key sets. One not seen before is fetched at
   * once, in the background (pending until then); one no longer named is forgotten.
   */
  public IssuerSnapshot snapshotFor(Set<String> issuers, Set<KeySetSource> keySets) {
    Set<Watched> named = new HashSet<>();
    issuers.forEach(issuer -> named.add(new Watched.Issuer(issuer)));
    keySets.forEach(source -> named.add(new Watched.Keys(source)));
    Map<String, Discovery> knownIssuers = new HashMap<>();
    Map<KeySetSource, KnownKeySet> knownKeySets = new HashMap<>();
    synchronized (this) {
      for (var it = entries.entrySet().iterator(); it.hasNext(); ) {
        var entry = it.next();
        if (!named.contains(entry.getKey())) {
          if (entry.getValue().next != null) {
            entry.getValue().next.cancel(false);
          }
          it.remove();
        }
      }
      for (Watched watched : named) {
        Entry entry = entries.get(watched);
        if (entry == null) {
          entry = new Entry();
          entries.put(watched, entry);
          if (timer != null) {
            entry.next = timer.schedule(() -> refresh(watched), 0, TimeUnit.NANOSECONDS);
          }
        }
        if (watched instanceof Watched.Issuer issuer) {
          knownIssuers.put(issuer.issuer(), discovery(entry));
        } else {
          knownKeySets.put(((Watched.Keys) watched).source(), keySet(entry));
        }
      }
    }
    return IssuerSnapshot.of(knownIssuers, knownKeySets);
  }

  private static Discovery discovery(Entry entry) {
    if (entry.good == null) {
      return new Discovery.Missing(requireNonNull(entry.failure));
    }
    IssuerMetadata good = (IssuerMetadata) entry.good;
    return entry.failure == null
        ? new Discovery.Current(good)
        : new Discovery.Stale(good, entry.failure);
  }

  private static KnownKeySet keySet(Entry entry) {
    if (entry.good == null) {
      return new KnownKeySet.Missing(requireNonNull(entry.failure));
    }
    KeySet good = (KeySet) entry.good;
    return entry.failure == null
        ? new KnownKeySet.Current(good)
        : new KnownKeySet.Stale(good, entry.failure);
  }

  /** One fetch of {@code watched}, then the next one scheduled; listeners run on a change. */
  private void refresh(Watched watched) {
    Settings settings = requireNonNull(this.settings);
    Outcome outcome;
    try {
      outcome = fetch(watched);
    } catch (RuntimeException e) {
      // A bug must not end the refreshes: the document is tried again like any failure.
      log.warn("fetching {} failed", watched, e);
      outcome = Outcome.failed(Discovery.Kind.UNREACHABLE, e.getClass().getSimpleName());
    }
    boolean changed;
    synchronized (this) {
      Entry entry = entries.get(watched);
      if (entry == null || timer == null || timer.isShutdown()) {
        return;
      }
      Object goodBefore = entry.good;
      Discovery.Failure failureBefore = entry.failure;
      Duration delay;
      if (outcome.failure() == null) {
        entry.good = outcome.good();
        entry.failure = null;
        entry.failures = 0;
        delay = settings.refresh();
      } else {
        entry.failure = outcome.failure();
        entry.failures++;
        delay = backoff(settings, entry.failures);
        if (!outcome.failure().equals(failureBefore)) {
          log.warn(
              "{}: {}{}; trying again in {}",
              watched instanceof Watched.Issuer issuer
                  ? "OIDC issuer " + issuer.issuer()
                  : "JWT key set " + ((Watched.Keys) watched).source(),
              outcome.failure(),
              entry.good != null ? ", the last good document stays in use" : "",
              delay);
        }
      }
      changed =
          !Objects.equals(goodBefore, entry.good) || !Objects.equals(failureBefore, entry.failure);
      entry.next = timer.schedule(() -> refresh(watched), delay.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (changed) {
      for (Runnable listener : listeners) {
        try {
          listener.run();
        } catch (RuntimeException e) {
          log.warn("an issuer change listener failed", e);
        }
      }
    }
  }

  /** The delay after the n-th failure in a row: doubling from firstRetry, at most refresh. */
  static Duration backoff(Settings settings, int failures) {
    Duration delay = settings.firstRetry();
    for (int i = 1; i < failures && delay.compareTo(settings.refresh()) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(settings.refresh()) < 0 ? delay : settings.refresh();
  }

  /** One fetch and check of {@code watched}. */
  private Outcome fetch(Watched watched) {
    Settings settings = requireNonNull(this.settings);
    if (watched instanceof Watched.Issuer issuer) {
      URI uri;
      try {
        // Discovery §4: a terminating "/" of the issuer is removed before the well-known path.
        String base = issuer.issuer();
        uri =
            new URI(
                (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + WELL_KNOWN);
      } catch (URISyntaxException e) {
        return Outcome.failed(Discovery.Kind.MALFORMED, "the issuer is not a URL");
      }
      Fetched fetched = get(requireNonNull(client), uri, settings.maxBytes());
      if (fetched.failure() != null) {
        return new Outcome(null, fetched.failure());
      }
      Discovery parsed = parse(issuer.issuer(), requireNonNull(fetched.body()));
      return parsed instanceof Discovery.Current current
          ? new Outcome(current.metadata(), null)
          : new Outcome(null, ((Discovery.Missing) parsed).failure());
    }
    KeySetSource source = ((Watched.Keys) watched).source();
    URI uri;
    try {
      uri = new URI(source.uri());
    } catch (URISyntaxException e) {
      return Outcome.failed(Discovery.Kind.MALFORMED, "the key set's uri is not a URL");
    }
    HttpClient client = requireNonNull(this.client);
    if (source.caPem() != null && "https".equalsIgnoreCase(uri.getScheme())) {
      Optional<HttpClient> trusting = clientTrusting(watched, source.caPem());
      if (trusting.isEmpty()) {
        return Outcome.failed(
            Discovery.Kind.CERTIFICATE_NOT_TRUSTED, "its caCertificateRefs hold no certificate");
      }
      client = trusting.get();
    }
    Fetched fetched = get(client, uri, settings.maxKeySetBytes());
    if (fetched.failure() != null) {
      return new Outcome(null, fetched.failure());
    }
    KnownKeySet parsed = parseKeySet(requireNonNull(fetched.body()));
    return parsed instanceof KnownKeySet.Current current
        ? new Outcome(current.keySet(), null)
        : new Outcome(null, ((KnownKeySet.Missing) parsed).failure());
  }

  /** A client trusting only the certificates of {@code caPem}, made once per key set. */
  private Optional<HttpClient> clientTrusting(Watched watched, String caPem) {
    synchronized (this) {
      Entry entry = entries.get(watched);
      if (entry != null && entry.client != null) {
        return Optional.of(entry.client);
      }
    }
    SSLContext tls;
    try {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(caPem.getBytes(StandardCharsets.UTF_8)));
      if (certificates.isEmpty()) {
        return Optional.empty();
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      tls = SSLContext.getInstance("TLS");
      tls.init(null, trust.getTrustManagers(), null);
    } catch (GeneralSecurityException | IOException e) {
      return Optional.empty();
    }
    HttpClient made = client(requireNonNull(settings), tls);
    synchronized (this) {
      Entry entry = entries.get(watched);
      if (entry != null) {
        entry.client = made;
      }
    }
    return Optional.of(made);
  }

  /** A fetched body, or why there is none. */
  private record Fetched(byte @Nullable [] body, Discovery.@Nullable Failure failure) {
    static Fetched failed(Discovery.Kind kind, String detail) {
      return new Fetched(null, new Discovery.Failure(kind, detail));
    }
  }

  /** One GET of {@code uri} within the timeout and {@code maxBytes}; the shared fetch core. */
  private Fetched get(HttpClient client, URI uri, int maxBytes) {
    Settings settings = requireNonNull(this.settings);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(settings.timeout())
            .header("Accept", "application/json")
            .GET()
            .build();
    CompletableFuture<HttpResponse<byte[]>> pending =
        client.sendAsync(request, info -> new Bounded(maxBytes));
    HttpResponse<byte[]> response;
    try {
      // The request timeout covers the headers only; this deadline covers the body too.
      response = pending.get(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      return Fetched.failed(Discovery.Kind.TIMEOUT, "no answer within " + settings.timeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Fetched.failed(Discovery.Kind.UNREACHABLE, "interrupted");
    } catch (ExecutionException e) {
      Discovery.Failure failure = failure(e.getCause(), settings);
      return new Fetched(null, failure);
    }
    if (response.statusCode() != 200) {
      return Fetched.failed(Discovery.Kind.UNREACHABLE, "HTTP " + response.statusCode());
    }
    if (response.body() == null) {
      return Fetched.failed(Discovery.Kind.TOO_LARGE, "larger than " + maxBytes + " bytes");
    }
    return new Fetched(response.body(), null);
  }

  private static Discovery.Failure failure(@Nullable Throwable cause, Settings settings) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof HttpTimeoutException) {
        return new Discovery.Failure(
            Discovery.Kind.TIMEOUT, "no answer within " + settings.timeout());
      }
      if (t instanceof SSLHandshakeException) {
        return new Discovery.Failure(
            Discovery.Kind.CERTIFICATE_NOT_TRUSTED, "TLS handshake failed");
      }
      if (t instanceof ConnectException) {
        return new Discovery.Failure(Discovery.Kind.UNREACHABLE, "connection refused");
      }
    }
    return new Discovery.Failure(
        Discovery.Kind.UNREACHABLE,
        cause instanceof IOException ? "I/O error" : String.valueOf(cause));
  }

  private static Discovery failure(Discovery.Kind kind, String detail) {
    return new Discovery.Missing(new Discovery.Failure(kind, detail));
  }

  /** A key set's summary, checked as a JWKS ({@link KnownKeySet.Current}); or why it is refused. */
  static KnownKeySet parseKeySet(byte[] body) {
    String json = new String(body, StandardCharsets.UTF_8);
    Optional<String> problem = Jwks.problem(json);
    if (problem.isPresent()) {
      return new KnownKeySet.Missing(
          new Discovery.Failure(Discovery.Kind.MALFORMED, "it " + problem.get()));
    }
    return new KnownKeySet.Current(new KeySet(Jwks.keys(json), KeySetSource.sha256(body, 8)));
  }

  /** The document's metadata, checked ({@link Discovery.Current}); or why it is refused. */
  static Discovery parse(String issuer, byte[] body) {
    JsonNode document;
    try {
      document = Mappers.json().readTree(new String(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return failure(Discovery.Kind.MALFORMED, "not JSON");
    }
    if (document == null || !document.isObject()) {
      return failure(Discovery.Kind.MALFORMED, "not a JSON object");
    }
    JsonNode claimed = document.get("issuer");
    if (claimed == null || !claimed.isTextual()) {
      return failure(Discovery.Kind.MALFORMED, "no issuer");
    }
    if (!claimed.asText().equals(issuer)) {
      return failure(Discovery.Kind.ISSUER_MISMATCH, "it names '" + claimed.asText() + "'");
    }
    List<String> problems = new ArrayList<>();
    String authorization = https(document, "authorization_endpoint", true, problems);
    String token = https(document, "token_endpoint", true, problems);
    String endSession = https(document, "end_session_endpoint", false, problems);
    String jwks = https(document, "jwks_uri", false, problems);
    if (!problems.isEmpty()) {
      return failure(Discovery.Kind.MALFORMED, String.join("; ", problems));
    }
    return new Discovery.Current(
        new IssuerMetadata(
            issuer, requireNonNull(authorization), requireNonNull(token), endSession, jwks));
  }

  /** A field that must be an absolute https URL with a host; null when optional and absent. */
  private static @Nullable String https(
      JsonNode document, String field, boolean required, List<String> problems) {
    JsonNode node = document.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        problems.add("no " + field);
      }
      return null;
    }
    try {
      URI uri = new URI(node.asText());
      if (node.isTextual()
          && "https"
              .equals(uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT))
          && uri.getHost() != null
          && uri.getRawFragment() == null) {
        return node.asText();
      }
    } catch (URISyntaxException e) {
      // Reported below.
    }
    problems.add(field + " is not an https URL");
    return null;
  }

  /** Collects a body up to a bound; past it the subscription is cancelled and the body is null. */
  private static final class Bounded implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.@Nullable Subscription subscription;

    Bounded(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer item : items) {
        if (bytes.size() + item.remaining() > max) {
          requireNonNull(subscription).cancel();
          result.complete(null);
          return;
        }
        byte[] chunk = new byte[item.remaining()];
        item.get(chunk);
        bytes.writeBytes(chunk);
      }
    }

    @Override
    public void onError(Throwable error) {
      result.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      result.complete(bytes.toByteArray());
    }
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return settings == null
        ? "IssuerDiscovery[off]"
        : "IssuerDiscovery[" + settings.refresh() + "]";
  }
}
