package io.meshgate.meshbridge.istio;

import static java.util.Objects.requireNonNull;

import io.meshgate.meshbridge.identity.SpiffeId;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where an Istio mesh's plugged-in CA lies and what meshgate issues with it: an operator's setting,
 * never taken from config events.
 *
 * @param directory the {@code cacerts} directory (Istio's secret, mounted): {@code ca-cert.pem},
 *     {@code ca-key.pem}, {@code cert-chain.pem}, {@code root-cert.pem}
 * @param trustDomain the mesh's trust domain ({@code cluster.local} unless Istio was told
 *     otherwise); every ID issued belongs to it
 * @param ttl how long a leaf is valid from its issue, cut short where {@code ca-cert.pem} expires
 *     sooner; a new one is issued after 2/3 of its life
 * @param poll how often the files' modification times, sizes and identities are looked at
 */
public record PluggedCaSettings(Path directory, String trustDomain, Duration ttl, Duration poll) {
  /** Istio's default workload certificate TTL. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);

  /**
   * Shorter leaves would be re-issued every few minutes while the backdate alone is 5 minutes (the
   * mesh CA's rule, {@code MeshCaSettings.MIN_LEAF_TTL}).
   */
  public static final Duration MIN_TTL = Duration.ofMinutes(10);

  /**
   * A leaf outliving this would outlive any sensible intermediate rotation: a leaked gateway key
   * must not stay good for a season.
   */
  public static final Duration MAX_TTL = Duration.ofDays(90);

  /** How often the files are looked at unless told otherwise. */
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(5);

  public PluggedCaSettings {
    requireNonNull(directory, "directory");
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(ttl, "ttl");
    requireNonNull(poll, "poll");
    try {
      // SpiffeId holds the one rule for trust domains; any valid path segments will do here.
      SpiffeId.workload(trustDomain, "probe", "probe");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "trustDomain: '" + trustDomain + "' (expected: lower-case letters, digits, . _ -)");
    }
    if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException(
          "ttl: " + ttl + " (expected: " + MIN_TTL + " to " + MAX_TTL + ")");
    }
    if (ttl.toNanos() % 1_000_000_000L != 0) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: whole seconds)");
    }
    if (poll.compareTo(Duration.ofMillis(10)) < 0 || poll.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("poll: " + poll + " (expected: 10 ms to 1 hour)");
    }
  }

  /** Polled every {@link #DEFAULT_POLL}. */
  public PluggedCaSettings(Path directory, String trustDomain, Duration ttl) {
    this(directory, trustDomain, ttl, DEFAULT_POLL);
  }

  /** The same, with the files looked at every {@code poll}. */
  public PluggedCaSettings withPoll(Duration poll) {
    return new PluggedCaSettings(directory, trustDomain, ttl, poll);
  }
}
