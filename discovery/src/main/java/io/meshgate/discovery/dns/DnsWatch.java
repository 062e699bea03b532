package io.meshgate.discovery.dns;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.DnsSource;
import io.meshgate.discovery.BlockingQuery;
import io.meshgate.discovery.DiscoveredEndpoint;
import io.meshgate.discovery.EndpointHealth;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-resolves one {@link DnsSource} on its own thread until closed, and reports what it finds in
 * the terms of {@link BlockingQuery.Listener}, so discovery can hold it like a Consul or Nomad
 * watch: {@code changed} with every address as a healthy endpoint on the source's port whenever the
 * address set differs from the last one (the first answer always counts, even an empty one); {@code
 * failed} with how many failures in a row; {@code recovered} when the name resolves again to the
 * addresses held. A failure keeps the last addresses; the caller marks them stale.
 *
 * <p>The next resolution follows the answer's TTL (RFC 2181 §8: how long the records may be
 * cached), bounded to [{@link #MIN_TTL}, {@link #MAX_TTL}] so a 0-second TTL cannot make a busy
 * loop and a day-long one cannot hide a change for a day; a name that does not exist, with no SOA
 * to say for how long (RFC 2308), is asked again after {@link #NEGATIVE_WITHOUT_SOA}. After a
 * failure: 250 ms doubling to {@link #MAX_BACKOFF}, with ±25 % jitter.
 *
 * <p>The version passed to the listener is a hash of the endpoints, never 0: replicas that see the
 * same addresses report the same version. All callbacks run on the watch's thread, one at a time.
 */
public final class DnsWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsWatch.class);

  static final Duration MIN_TTL = Duration.ofSeconds(1);
  static final Duration MAX_TTL = Duration.ofSeconds(300);
  static final Duration NEGATIVE_WITHOUT_SOA = Duration.ofSeconds(5);
  static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** How long to wait between resolutions; the defaults above in production, shorter in tests. */
  record Bounds(
      Duration minTtl, Duration maxTtl, Duration negativeWithoutSoa, Duration maxBackoff) {
    static final Bounds DEFAULT = new Bounds(MIN_TTL, MAX_TTL, NEGATIVE_WITHOUT_SOA, MAX_BACKOFF);

    Bounds {
      requireNonNull(minTtl, "minTtl");
      requireNonNull(maxTtl, "maxTtl");
      requireNonNull(negativeWithoutSoa, "negativeWithoutSoa");
      requireNonNull(maxBackoff, "maxBackoff");
      if (minTtl.isNegative() || minTtl.isZero() || maxTtl.compareTo(minTtl) < 0) {
        throw new IllegalArgumentException(
            "ttl bounds: [" + minTtl + ", " + maxTtl + "] (expected: 0 < min <= max)");
      }
    }
  }

  private final String name;
  private final DnsSource source;
  private final DnsResolver resolver;
  private final BlockingQuery.Listener<List<DiscoveredEndpoint>> listener;
  private final Bounds bounds;
  private final String sourceName;
  private final Thread thread;
  private volatile boolean running = true;

  private DnsWatch(
      String name,
      DnsSource source,
      DnsResolver resolver,
      BlockingQuery.Listener<List<DiscoveredEndpoint>> listener,
      Bounds bounds) {
    this.name = requireNonNull(name, "name");
    this.source = requireNonNull(source, "source");
    this.resolver = requireNonNull(resolver, "resolver");
    this.listener = requireNonNull(listener, "listener");
    this.bounds = requireNonNull(bounds, "bounds");
    this.sourceName = "dns/" + source.hostname();
    this.thread = new Thread(this::run, "meshgate-dns-" + name);
    this.thread.setDaemon(true);
  }

  /** Starts resolving {@code source} now; {@code name} names the thread and log lines. */
  public static DnsWatch start(
      String name,
      DnsSource source,
      DnsResolver resolver,
      BlockingQuery.Listener<List<DiscoveredEndpoint>> listener) {
    return start(name, source, resolver, listener, Bounds.DEFAULT);
  }

  static DnsWatch start(
      String name,
      DnsSource source,
      DnsResolver resolver,
      BlockingQuery.Listener<List<DiscoveredEndpoint>> listener,
      Bounds bounds) {
    DnsWatch watch = new DnsWatch(name, source, resolver, listener, bounds);
    watch.thread.start();
    return watch;
  }

  private void run() {
    @Nullable List<DiscoveredEndpoint> held = null;
    long version = 0;
    int failures = 0;
    while (running) {
      Duration pause;
      try {
        DnsResolver.Answer answer = resolver.resolve(source.hostname());
        List<DiscoveredEndpoint> endpoints = endpoints(answer.addresses());
        if (!running) {
          return;
        }
        if (!endpoints.equals(held)) {
          held = endpoints;
          version = version(endpoints);
          long current = version;
          report(() -> listener.changed(endpoints, current));
        } else if (failures > 0) {
          long current = version;
          report(() -> listener.recovered(current));
        }
        failures = 0;
        pause = next(answer);
      } catch (IOException | RuntimeException e) {
        if (!running || e instanceof InterruptedIOException) {
          return; // closed while a query was out
        }
        failures++;
        int inARow = failures;
        log.debug("{}: resolving {} failed ({} in a row): {}", name, source, inARow, e.toString());
        report(() -> listener.failed(e, inARow));
        pause = backoff(failures);
      }
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException e) {
        return; // closed
      }
    }
  }

  /** A listener that throws must not end the watch. */
  private void report(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("{}: listener failed", name, e);
    }
  }

  Duration next(DnsResolver.Answer answer) {
    if (answer.addresses().isEmpty() && answer.ttl().isZero()) {
      return bounds.negativeWithoutSoa();
    }
    Duration ttl = answer.ttl();
    if (ttl.compareTo(bounds.minTtl()) < 0) {
      return bounds.minTtl();
    }
    return ttl.compareTo(bounds.maxTtl()) > 0 ? bounds.maxTtl() : ttl;
  }

  /** 250 ms doubling per failure in a row, capped, with ±25 % jitter so replicas do not align. */
  Duration backoff(int failures) {
    long base =
        Math.min(
            bounds.maxBackoff().toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 16));
    long jitter = (long) (base * 0.25 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
    return Duration.ofMillis(Math.max(1, base + jitter));
  }

  private List<DiscoveredEndpoint> endpoints(List<InetAddress> addresses) {
    return addresses.stream()
        .map(InetAddress::getHostAddress)
        .distinct()
        .sorted(Comparator.naturalOrder())
        .map(
            address ->
                new DiscoveredEndpoint(
                    address, source.port(), 1, "", "", sourceName, EndpointHealth.HEALTHY))
        .toList();
  }

  /** A positive hash of the sorted addresses and port: the same set gives the same version. */
  static long version(List<DiscoveredEndpoint> endpoints) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (DiscoveredEndpoint endpoint : endpoints) {
        sha.update(
            (endpoint.address() + "|" + endpoint.port() + "\n").getBytes(StandardCharsets.UTF_8));
      }
      byte[] digest = sha.digest();
      long value = 0;
      for (int i = 0; i < 8; i++) {
        value = (value << 8) | (digest[i] & 0xFF);
      }
      value &= Long.MAX_VALUE;
      return value == 0 ? 1 : value;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Stops the thread, also while a query is out or it sleeps; a callback already under way may
   * still finish.
   */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }

  @Override
  public String toString() {
    return "DnsWatch[" + name + ", " + sourceName + "]";
  }
}
