package io.meshgate.testkit;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP side that {@link ConsulApiDouble} and {@link NomadApiDouble} share, because both agents
 * serve their APIs the same way (HashiCorp's api-structure and blocking-queries pages): a loopback
 * server that can go down and come back on the same port, the fault levers ({@link #failNext},
 * {@link #slow}), the request log, the token headers, and blocking queries ({@code index}, {@code
 * wait} as a Go duration, the wait/16 jitter, the {@code X-…-Index}, {@code KnownLeader} and {@code
 * LastContact} headers). What each vendor serves (paths, bodies, index rules, ACL answers) stays in
 * its double, behind {@link Endpoints}.
 *
 * <p>Threading: the double guards all its catalog state with {@link #lock()}, the same lock a
 * blocking query waits on; a double calls {@link #changed()} or {@link #changed(Object)} (lock
 * held) after every change so that waiting queries re-read their index. A query may wait under a
 * key (a Consul service in a datacenter): {@link #changed(Object)} wakes only the queries waiting
 * under that key and those waiting under none, so that a change to one of a thousand watched
 * services does not wake the other 999 queries to re-read an index that did not move; {@link
 * #changed()} wakes all. Requests run on a pool of {@value #HANDLER_THREADS} threads unless the
 * double is built with another size.
 */
final class HashicorpApiServer {
  /** How many requests (blocking queries included) can be in a double at once, by default. */
  static final int HANDLER_THREADS = 64;

  static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
  static final Duration MAX_WAIT = Duration.ofMinutes(10);
  static final int REQUEST_LOG_LIMIT = 10_000;

  /**
   * What differs between the vendors in the shared plumbing. {@code headerPrefix} is {@code
   * X-Consul} or {@code X-Nomad} (token, index, leader and contact headers); {@code tokenParameter}
   * is the query parameter read before the headers, if the vendor has one; {@code maxIndexDigits}
   * is how many digits an {@code index} may have before it is 400.
   */
  record Dialect(
      String threadPrefix,
      String headerPrefix,
      @Nullable String tokenParameter,
      int maxIndexDigits) {
    Dialect {
      requireNonNull(threadPrefix, "threadPrefix");
      requireNonNull(headerPrefix, "headerPrefix");
      if (maxIndexDigits < 1 || maxIndexDigits > 20) {
        throw new IllegalArgumentException(
            "maxIndexDigits: " + maxIndexDigits + " (expected: 1..20)");
      }
    }
  }

  /**
   * A request past the shared steps (logged, delayed, not failed). {@code params} is null when the
   * query string could not be decoded; {@code startedIn} is what {@link #answerBlocking} compares
   * to learn that the double was stopped or its index reset meanwhile.
   */
  record Request(
      HttpExchange exchange,
      @Nullable Map<String, List<String>> params,
      @Nullable String token,
      long startedIn) {}

  /** The vendor's part: answers one request; the server closes the exchange afterwards. */
  @FunctionalInterface
  interface Endpoints {
    void serve(Request request) throws IOException;
  }

  /** What a double has received: method, raw path with query, and the token it resolved. */
  record Received(String method, String uri, @Nullable String token) {}

  /** The {@code index} and {@code wait} of a blocking query, {@code wait} already clamped. */
  record Blocking(long index, Duration maxWait) {}

  private record Failure(int status, String body) {}

  private final Dialect dialect;
  private final Endpoints endpoints;
  private final int handlerThreads;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  // Everything below up to requestCount is guarded by lock.

  /** Bumped by {@link #answerWaitingNow} and {@link #stop}: waiting queries answer at once. */
  private long generation;

  /** The conditions queries wait on under a key; never removed (one per key ever waited on). */
  private final Map<Object, Condition> keyed = new HashMap<>();

  private final Deque<Failure> failures = new ArrayDeque<>();
  private Duration delay = Duration.ZERO;
  private final Deque<Received> received = new ArrayDeque<>();
  private @Nullable HttpServer server;
  private @Nullable ExecutorService handlers;
  private int port;

  private final AtomicLong requestCount = new AtomicLong();

  HashicorpApiServer(Dialect dialect, Endpoints endpoints) {
    this(dialect, endpoints, HANDLER_THREADS);
  }

  /**
   * @param handlerThreads how many requests can be in the double at once; a blocking query holds
   *     one until it answers, so a client that watches N services needs more than N
   */
  HashicorpApiServer(Dialect dialect, Endpoints endpoints, int handlerThreads) {
    this.dialect = requireNonNull(dialect, "dialect");
    this.endpoints = requireNonNull(endpoints, "endpoints");
    if (handlerThreads < 1) {
      throw new IllegalArgumentException("handlerThreads: " + handlerThreads + " (expected: >= 1)");
    }
    this.handlerThreads = handlerThreads;
  }

  /** The lock that guards the double's state as well as the server's. */
  ReentrantLock lock() {
    return lock;
  }

  /** Wakes every waiting query to re-read its index. Lock held. */
  void changed() {
    changed.signalAll();
    keyed.values().forEach(Condition::signalAll);
  }

  /**
   * Wakes the queries waiting under {@code key} and those waiting under none to re-read their
   * index: what changed can move no other key's index. Lock held.
   */
  void changed(Object key) {
    changed.signalAll();
    Condition waiting = keyed.get(requireNonNull(key, "key"));
    if (waiting != null) {
      waiting.signalAll();
    }
  }

  /** Waiting queries answer at once, whatever their index (a snapshot restore, a stop). */
  void answerWaitingNow() {
    lock.lock();
    try {
      generation++;
      changed();
    } finally {
      lock.unlock();
    }
  }

  /** {@code http://127.0.0.1:PORT}. */
  String address() {
    lock.lock();
    try {
      return "http://127.0.0.1:" + port;
    } finally {
      lock.unlock();
    }
  }

  // ---- levers ---------------------------------------------------------------------------------

  void failNext(int status, String body, int times) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 100..599)");
    }
    if (times < 1) {
      throw new IllegalArgumentException("times: " + times + " (expected: >= 1)");
    }
    requireNonNull(body, "body");
    lock.lock();
    try {
      for (int i = 0; i < times; i++) {
        failures.add(new Failure(status, body));
      }
    } finally {
      lock.unlock();
    }
  }

  void slow(Duration delay) {
    requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay: " + delay + " (expected: >= 0)");
    }
    lock.lock();
    try {
      this.delay = delay;
    } finally {
      lock.unlock();
    }
  }

  /** Stops listening and cuts open connections, waiting queries included. */
  void stop() {
    HttpServer stopping;
    ExecutorService pool;
    lock.lock();
    try {
      stopping = server;
      pool = handlers;
      server = null;
      handlers = null;
      generation++;
      changed();
    } finally {
      lock.unlock();
    }
    if (stopping != null) {
      stopping.stop(0);
    }
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  /** Listens again on the port it had. */
  void start() {
    int previous;
    lock.lock();
    try {
      if (server != null) {
        throw new IllegalStateException("already listening on " + address());
      }
      previous = port;
    } finally {
      lock.unlock();
    }
    bind(previous);
  }

  long requestCount() {
    return requestCount.get();
  }

  /** The last {@value #REQUEST_LOG_LIMIT} requests, oldest first. */
  List<Received> requests() {
    lock.lock();
    try {
      return List.copyOf(received);
    } finally {
      lock.unlock();
    }
  }

  // ---- serving --------------------------------------------------------------------------------

  /** Listens on {@code wantedPort} of the loopback address; 0 for any free port. */
  void bind(int wantedPort) {
    HttpServer created;
    try {
      created =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), wantedPort), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1:" + wantedPort, e);
    }
    AtomicInteger threadNumber = new AtomicInteger();
    String threadPrefix = dialect.threadPrefix() + "-double-";
    ExecutorService pool =
        Executors.newFixedThreadPool(
            handlerThreads,
            task -> {
              Thread thread = new Thread(task, threadPrefix + threadNumber.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    created.setExecutor(pool);
    created.createContext("/", this::handle);
    lock.lock();
    try {
      server = created;
      handlers = pool;
      port = created.getAddress().getPort();
    } finally {
      lock.unlock();
    }
    created.start();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      long startedIn;
      Failure failure;
      Duration pause;
      URI uri = exchange.getRequestURI();
      Map<String, List<String>> params;
      try {
        params = parseQuery(uri.getRawQuery());
      } catch (IllegalArgumentException e) {
        params = null;
      }
      String token = token(exchange, params);
      requestCount.incrementAndGet();
      lock.lock();
      try {
        startedIn = generation;
        received.add(new Received(exchange.getRequestMethod(), uri.toString(), token));
        if (received.size() > REQUEST_LOG_LIMIT) {
          received.removeFirst();
        }
        failure = failures.poll();
        pause = delay;
      } finally {
        lock.unlock();
      }
      if (!pause.isZero() && !pauseFor(pause, exchange)) {
        return;
      }
      if (failure != null) {
        text(exchange, failure.status(), failure.body());
        return;
      }
      endpoints.serve(new Request(exchange, params, token, startedIn));
    } finally {
      exchange.close();
    }
  }

  /**
   * Reads {@code index} and {@code wait}; null after answering 400 {@code Invalid index} or {@code
   * Invalid wait time} (the agents' bodies). No wait, or one not above zero, is {@link
   * #DEFAULT_WAIT}; a longer one than {@link #MAX_WAIT} is cut to it.
   */
  @Nullable Blocking blocking(HttpExchange exchange, Map<String, List<String>> params)
      throws IOException {
    long index;
    String rawIndex = first(params, "index");
    if (rawIndex.isEmpty()) {
      index = 0;
    } else if (!rawIndex.matches("[0-9]{1," + dialect.maxIndexDigits() + "}")) {
      text(exchange, 400, "Invalid index");
      return null;
    } else {
      try {
        index = Long.parseLong(rawIndex);
      } catch (NumberFormatException e) {
        // Above Long.MAX_VALUE but maybe a valid uint64; no index of ours is that high.
        index = Long.MAX_VALUE;
      }
    }
    Duration wait;
    String rawWait = first(params, "wait");
    if (rawWait.isEmpty()) {
      wait = DEFAULT_WAIT;
    } else {
      Duration parsed = GoDuration.parse(rawWait);
      if (parsed == null) {
        text(exchange, 400, "Invalid wait time");
        return null;
      }
      wait = parsed.isNegative() || parsed.isZero() ? DEFAULT_WAIT : parsed;
    }
    if (wait.compareTo(MAX_WAIT) > 0) {
      wait = MAX_WAIT;
    }
    return new Blocking(index, wait);
  }

  /**
   * Answers 200 with {@code body} once {@code currentIndex} passes {@code blocking.index()} (at
   * once when that is 0), the wait plus a jitter of up to wait/16 ends, or the index is reset. Both
   * suppliers run with the lock held. If the double stopped meanwhile the connection is cut without
   * an answer, as a dead agent's would be. The query waits under no key: every change wakes it.
   */
  void answerBlocking(
      Request request, Blocking blocking, LongSupplier currentIndex, Supplier<String> body)
      throws IOException {
    answerBlocking(request, blocking, null, currentIndex, body);
  }

  /**
   * As {@link #answerBlocking(Request, Blocking, LongSupplier, Supplier)}, waiting under {@code
   * waitKey}: only {@link #changed()} and {@link #changed(Object)} with that key wake it (null: any
   * change does). The caller must pass a key only if {@code currentIndex} can move under no other.
   */
  void answerBlocking(
      Request request,
      Blocking blocking,
      @Nullable Object waitKey,
      LongSupplier currentIndex,
      Supplier<String> body)
      throws IOException {
    HttpExchange exchange = request.exchange();
    String json;
    long index;
    lock.lock();
    try {
      if (blocking.index() > 0) {
        Condition wakes =
            waitKey == null ? changed : keyed.computeIfAbsent(waitKey, k -> lock.newCondition());
        long jitter = ThreadLocalRandom.current().nextLong(blocking.maxWait().toNanos() / 16 + 1);
        long remaining = blocking.maxWait().toNanos() + jitter;
        while (currentIndex.getAsLong() <= blocking.index()
            && generation == request.startedIn()
            && remaining > 0) {
          try {
            remaining = wakes.awaitNanos(remaining);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
      if (!servedBy(exchange)) {
        return;
      }
      index = currentIndex.getAsLong();
      json = body.get();
    } finally {
      lock.unlock();
    }
    String prefix = dialect.headerPrefix();
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set(prefix + "-Index", Long.toString(index));
    exchange.getResponseHeaders().set(prefix + "-KnownLeader", "true");
    exchange.getResponseHeaders().set(prefix + "-LastContact", "0");
    send(exchange, 200, json);
  }

  /** Sleeps for the configured delay; false if the double stopped meanwhile. */
  private boolean pauseFor(Duration pause, HttpExchange exchange) {
    lock.lock();
    try {
      long remaining = pause.toNanos();
      while (remaining > 0 && servedBy(exchange)) {
        remaining = changed.awaitNanos(remaining);
      }
      return servedBy(exchange);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Whether the server that took this exchange is still the one listening. Lock held. */
  private boolean servedBy(HttpExchange exchange) {
    return server != null && server == exchange.getHttpContext().getServer();
  }

  // ---- HTTP details ---------------------------------------------------------------------------

  /**
   * The vendor's token parameter (only when the query could be read), then {@code X-…-Token}, then
   * {@code Authorization: Bearer}.
   */
  private @Nullable String token(
      HttpExchange exchange, @Nullable Map<String, List<String>> params) {
    String parameter = dialect.tokenParameter();
    if (parameter != null) {
      if (params == null) {
        return null;
      }
      String fromQuery = first(params, parameter);
      if (!fromQuery.isEmpty()) {
        return fromQuery;
      }
    }
    String header = exchange.getRequestHeaders().getFirst(dialect.headerPrefix() + "-Token");
    if (header != null && !header.isBlank()) {
      return header.strip();
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String bearer = authorization.substring(7).strip();
      return bearer.isEmpty() ? null : bearer;
    }
    return null;
  }

  private static Map<String, List<String>> parseQuery(@Nullable String rawQuery) {
    Map<String, List<String>> params = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return params;
  }

  private static String decode(String part) {
    return URLDecoder.decode(part, StandardCharsets.UTF_8);
  }

  /** The first value of a query parameter; empty when absent. */
  static String first(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? "" : values.get(0);
  }

  static void text(HttpExchange exchange, int status, String body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    send(exchange, status, body);
  }

  static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** A JSON string as Go's encoder writes it. */
  static String quote(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            // Go's encoder escapes HTML characters and line separators too.
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /** {@code "Name":"value"} into {@code json}, the value quoted as Go would. */
  static StringBuilder field(StringBuilder json, String name, String value) {
    return json.append('"').append(name).append("\":").append(quote(value));
  }

  /** Go's time.ParseDuration, which is how both agents read {@code wait}. */
  static final class GoDuration {
    private static final Pattern WHOLE =
        Pattern.compile("[-+]?(?:(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+");
    private static final Pattern PART =
        Pattern.compile("([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> NANOS_PER_UNIT =
        Map.of(
            "ns", 1L,
            "us", 1_000L,
            "µs", 1_000L,
            "μs", 1_000L,
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L);
    // Beyond this Go overflows int64 nanoseconds (about 2562047 hours) and refuses the value.
    private static final double MAX_NANOS = Long.MAX_VALUE;

    private GoDuration() {}

    static @Nullable Duration parse(String text) {
      if (text.equals("0") || text.equals("+0") || text.equals("-0")) {
        return Duration.ZERO;
      }
      if (!WHOLE.matcher(text).matches()) {
        return null;
      }
      boolean negative = text.startsWith("-");
      double nanos = 0;
      Matcher part = PART.matcher(text);
      while (part.find()) {
        nanos += Double.parseDouble(part.group(1)) * NANOS_PER_UNIT.get(part.group(2));
      }
      if (nanos > MAX_NANOS) {
        return null;
      }
      long whole = (long) nanos;
      return Duration.ofNanos(negative ? -whole : whole);
    }
  }
}
