package io.meshgate.xds.ir;

import java.util.List;

/**
 * The limits meshgate's rate limit service counts for a route across every gateway replica: the
 * rules of the most specific TrafficPolicy that sets {@code rateLimit.global}.
 *
 * @param failClosed a request whose counters cannot be read (Redis down, the service unreachable)
 *     is refused; otherwise it passes
 */
public record GlobalRateLimitIr(List<RateLimitRuleIr> rules, boolean failClosed) {
  /** The domain Envoy names in every call, and the one domain of the service's rules. */
  public static final String DOMAIN = "meshgate";

  /**
   * The rate limit filter that asks for a route's limits: one per failure mode, since Envoy's
   * failure mode is the filter's. A route's limits carry the filter's stage number.
   */
  public enum Stage {
    /** Stage 0: the service unreachable, the request passes. */
    FAIL_OPEN,
    /** Stage 1: the service unreachable, the request is refused. */
    FAIL_CLOSED;

    public int number() {
      return ordinal();
    }
  }

  public Stage stage() {
    return failClosed ? Stage.FAIL_CLOSED : Stage.FAIL_OPEN;
  }

  public GlobalRateLimitIr {
    rules = Lists.copy(rules);
    if (rules.isEmpty()) {
      throw new IllegalArgumentException("a global rate limit needs a rule");
    }
  }
}
