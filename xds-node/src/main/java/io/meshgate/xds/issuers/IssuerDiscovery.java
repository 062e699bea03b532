package io.meshgate.xds.issuers;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.config.store.ConfigSnapshot;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only code that fetches OIDC discovery documents. For the issuers a config names it fetches
 * each {@code <issuer>/.well-known/openid-configuration} in the background (https, the JDK's trust
 * store unless told otherwise, a deadline per fetch, a bounded body), checks it (OpenID Connect
 * Discovery §4.3: the document's {@code issuer} equals the configured one; https authorization and
 * token endpoints), and fetches it again every {@link Settings#refresh} — after a failure sooner,
 * with backoff. A failed refresh keeps the last good document (as {@link Discovery.Stale}).
 * Listeners run when what it knows of an issuer changes, never for an unchanged document.
 * Thread-safe.
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
   */
  public record Settings(
      @Nullable SSLContext tls,
      Duration timeout,
      int maxBytes,
      Duration refresh,
      Duration firstRetry) {
    public static final Settings DEFAULTS =
        new Settings(
            null, Duration.ofSeconds(5), 64 * 1024, Duration.ofMinutes(10), Duration.ofSeconds(5));

    public Settings {
      requireNonNull(timeout, "timeout");
      requireNonNull(refresh, "refresh");
      requireNonNull(firstRetry, "firstRetry");
    }

    /** The same, trusting only the roots of {@code tls} (tests give their own CA this way). */
    public Settings withTls(SSLContext tls) {
      return new Settings(requireNonNull(tls, "tls"), timeout, maxBytes, refresh, firstRetry);
    }

    public Settings withTimeout(Duration timeout) {
      return new Settings(tls, timeout, maxBytes, refresh, firstRetry);
    }

    public Settings withRefresh(Duration refresh, Duration firstRetry) {
      return new Settings(tls, timeout, maxBytes, refresh, firstRetry);
    }
  }

  /** One issuer's state; guarded by the discovery's monitor. */
  private static final class Entry {
    Discovery known = new Discovery.Missing(new Discovery.Failure(Discovery.Kind.PENDING, ""));
    int failures;
    @Nullable ScheduledFuture<?> next;
  }

  private final @Nullable Settings settings;
  private final @Nullable HttpClient client;
  private final @Nullable ScheduledExecutorService timer;
  private final Map<String, Entry> entries = new HashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  private IssuerDiscovery(@Nullable Settings settings) {
    this.settings = settings;
    if (settings == null) {
      this.client = null;
      this.timer = null;
      return;
    }
    HttpClient.Builder client =
        HttpClient.newBuilder()
            .connectTimeout(settings.timeout())
            // A discovery document is never a redirect away: the issuer URL is the identity.
            .followRedirects(HttpClient.Redirect.NEVER);
    if (settings.tls() != null) {
      client.sslContext(settings.tls());
    }
    this.client = client.build();
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

  /** Fetches nothing: every issuer stays pending (for pipelines without OIDC, and tests). */
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

  /** Runs {@code onChange} (on discovery's thread) whenever what is known of an issuer changes. */
  public void onChange(Runnable onChange) {
    listeners.add(requireNonNull(onChange, "onChange"));
  }

  /** What is known now of the issuers in {@code config}; see {@link #snapshotFor(Set)}. */
  public IssuerSnapshot snapshotFor(ConfigSnapshot config) {
    return snapshotFor(issuersIn(config));
  }

  /**
   * What is known now of exactly these issuers. An issuer not seen before is fetched at once, in
   * the background (pending until then); one no longer named is forgotten.
   */
  public IssuerSnapshot snapshotFor(Set<String> issuers) {
    Map<String, Discovery> known = new HashMap<>();
    synchronized (this) {
      for (var it = entries.entrySet().iterator(); it.hasNext(); ) {
        var entry = it.next();
        if (!issuers.contains(entry.getKey())) {
          if (entry.getValue().next != null) {
            entry.getValue().next.cancel(false);
          }
          it.remove();
        }
      }
      for (String issuer : issuers) {
        Entry entry = entries.get(issuer);
        if (entry == null) {
          entry = new Entry();
          entries.put(issuer, entry);
          if (timer != null) {
            entry.next = timer.schedule(() -> refresh(issuer), 0, TimeUnit.NANOSECONDS);
          }
        }
        known.put(issuer, entry.known);
      }
    }
    return IssuerSnapshot.of(known);
  }

  /** One fetch of {@code issuer}, then the next one scheduled; listeners run on a change. */
  private void refresh(String issuer) {
    Settings settings = requireNonNull(this.settings);
    Discovery outcome;
    try {
      outcome = fetch(issuer);
    } catch (RuntimeException e) {
      // A bug must not end the refreshes: the issuer is tried again like any failure.
      log.warn("fetching the discovery document of {} failed", issuer, e);
      outcome = failure(Discovery.Kind.UNREACHABLE, e.getClass().getSimpleName());
    }
    boolean changed;
    synchronized (this) {
      Entry entry = entries.get(issuer);
      if (entry == null || timer == null || timer.isShutdown()) {
        return;
      }
      Discovery before = entry.known;
      Duration delay;
      if (outcome instanceof Discovery.Current current) {
        entry.known = current;
        entry.failures = 0;
        delay = settings.refresh();
      } else {
        Discovery.Failure failure = ((Discovery.Missing) outcome).failure();
        entry.known =
            before instanceof Discovery.Current current
                ? new Discovery.Stale(current.metadata(), failure)
                : before instanceof Discovery.Stale stale
                    ? new Discovery.Stale(stale.metadata(), failure)
                    : new Discovery.Missing(failure);
        entry.failures++;
        delay = backoff(settings, entry.failures);
        if (!entry.known.equals(before)) {
          log.warn(
              "OIDC issuer {}: {}{}; trying again in {}",
              issuer,
              failure,
              entry.known instanceof Discovery.Stale ? ", the last good document stays in use" : "",
              delay);
        }
      }
      changed = !entry.known.equals(before);
      entry.next = timer.schedule(() -> refresh(issuer), delay.toNanos(), TimeUnit.NANOSECONDS);
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

  /** The issuer's metadata ({@link Discovery.Current}), or why not ({@link Discovery.Missing}). */
  private Discovery fetch(String issuer) {
    Settings settings = requireNonNull(this.settings);
    HttpClient client = requireNonNull(this.client);
    URI uri;
    try {
      // Discovery §4: a terminating "/" of the issuer is removed before the well-known path.
      uri =
          new URI(
              (issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer)
                  + WELL_KNOWN);
    } catch (URISyntaxException e) {
      return failure(Discovery.Kind.MALFORMED, "the issuer is not a URL");
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(settings.timeout())
            .header("Accept", "application/json")
            .GET()
            .build();
    CompletableFuture<HttpResponse<byte[]>> pending =
        client.sendAsync(request, info -> new Bounded(settings.maxBytes()));
    HttpResponse<byte[]> response;
    try {
      // The request timeout covers the headers only; this deadline covers the body too.
      response = pending.get(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      return failure(Discovery.Kind.TIMEOUT, "no answer within " + settings.timeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failure(Discovery.Kind.UNREACHABLE, "interrupted");
    } catch (ExecutionException e) {
      return failure(e.getCause(), settings);
    }
    if (response.statusCode() != 200) {
      return failure(Discovery.Kind.UNREACHABLE, "HTTP " + response.statusCode());
    }
    if (response.body() == null) {
      return failure(Discovery.Kind.MALFORMED, "larger than " + settings.maxBytes() + " bytes");
    }
    return parse(issuer, response.body());
  }

  private static Discovery failure(@Nullable Throwable cause, Settings settings) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof HttpTimeoutException) {
        return failure(Discovery.Kind.TIMEOUT, "no answer within " + settings.timeout());
      }
      if (t instanceof SSLHandshakeException) {
        return failure(Discovery.Kind.CERTIFICATE_NOT_TRUSTED, "TLS handshake failed");
      }
      if (t instanceof ConnectException) {
        return failure(Discovery.Kind.UNREACHABLE, "connection refused");
      }
    }
    return failure(
        Discovery.Kind.UNREACHABLE,
        cause instanceof IOException ? "I/O error" : String.valueOf(cause));
  }

  private static Discovery failure(Discovery.Kind kind, String detail) {
    return new Discovery.Missing(new Discovery.Failure(kind, detail));
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
