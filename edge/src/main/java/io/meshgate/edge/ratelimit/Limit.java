package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * At most {@code requestsPerUnit} hits per fixed window of one {@code unit}. The unit may be null
 * only so that {@link RateLimitConfig#check} can report it missing; a {@link RateLimitConfig} never
 * holds such a limit.
 */
public record Limit(
    @Nullable Unit unit, long requestsPerUnit, FailureMode failureMode, Enforcement enforcement) {
  /** Envoy's {@code current_limit.requests_per_unit} is a uint32. */
  public static final long MAX_REQUESTS_PER_UNIT = 0xFFFF_FFFFL;

  public Limit {
    requireNonNull(failureMode, "failureMode");
    requireNonNull(enforcement, "enforcement");
  }

  /** Fails open and is enforced, the defaults. */
  public static Limit of(long requestsPerUnit, @Nullable Unit unit) {
    return new Limit(unit, requestsPerUnit, FailureMode.FAIL_OPEN, Enforcement.ENFORCE);
  }

  public Limit failClosed() {
    return new Limit(unit, requestsPerUnit, FailureMode.FAIL_CLOSED, enforcement);
  }

  public Limit shadow() {
    return new Limit(unit, requestsPerUnit, failureMode, Enforcement.SHADOW);
  }
}
