package io.meshgate.meshbridge.meshca;

import static java.util.Objects.requireNonNull;

import io.meshgate.meshbridge.identity.SpiffeId;
import java.time.Duration;

/**
 * What the mesh CA issues for: its trust domain and the lifetime of the leaves it signs.
 *
 * @param trustDomain the domain of every SPIFFE ID it issues ({@code MESHGATE_TRUST_DOMAIN})
 * @param leafTtl how long a leaf is valid from the start of its window ({@code
 *     MESHGATE_MESH_CERT_TTL}); a new one is issued after 2/3 of it
 */
public record MeshCaSettings(String trustDomain, Duration leafTtl) {
  public static final String DEFAULT_TRUST_DOMAIN = "meshgate.local";
  public static final Duration DEFAULT_LEAF_TTL = Duration.ofHours(24);

  /**
   * Shorter leaves would be re-issued more often than every few minutes, while the backdate alone
   * is 5 minutes.
   */
  public static final Duration MIN_LEAF_TTL = Duration.ofMinutes(10);

  /** Leaves start this long before their window, for peers whose clocks are behind. */
  public static final Duration BACKDATE = Duration.ofMinutes(5);

  public MeshCaSettings {
    requireNonNull(trustDomain, "trustDomain");
    requireNonNull(leafTtl, "leafTtl");
    try {
      // SpiffeId holds the one rule for trust domains; any valid path segments will do here.
      SpiffeId.workload(trustDomain, "probe", "probe");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "trust domain: '" + trustDomain + "' (expected: lower-case letters, digits, . _ -)");
    }
    if (leafTtl.compareTo(MIN_LEAF_TTL) < 0) {
      throw new IllegalArgumentException(
          "mesh certificate TTL: " + leafTtl + " (expected: at least " + MIN_LEAF_TTL + ")");
    }
    if (leafTtl.toNanos() % 1_000_000_000L != 0) {
      throw new IllegalArgumentException(
          "mesh certificate TTL: " + leafTtl + " (expected: whole seconds)");
    }
  }

  public static MeshCaSettings defaults() {
    return new MeshCaSettings(DEFAULT_TRUST_DOMAIN, DEFAULT_LEAF_TTL);
  }

  /** Every leaf is re-issued after this much of its life: 2/3 of the TTL, whole seconds. */
  public Duration reissuePeriod() {
    return Duration.ofSeconds(leafTtl.toSeconds() * 2 / 3);
  }
}
