package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One counter per distinct combination of the selectors' values, at most {@code requests} per fixed
 * window of one {@code unit}. The descriptor Envoy sends for a request is the rule's own entry
 * ({@link #RULE_KEY}, {@code id}) followed by one entry per selector, in order; the rate limit
 * service's rule is the same path of keys and values. Both are made from this record, so they
 * cannot disagree.
 *
 * @param id {@code <namespace>/<policy>/<rule name or index>}: names the counters, so a rule keeps
 *     its counts through a change of its limit
 * @param shadow counted and reported, never refused
 */
public record RateLimitRuleIr(
    String id, List<RateLimitSelectorIr> selectors, long requests, Unit unit, boolean shadow) {
  /** The key of a descriptor's first entry, whose value is the rule's id. */
  public static final String RULE_KEY = "meshgate_rule";

  /** The length of a fixed window. */
  public enum Unit {
    SECOND,
    MINUTE,
    HOUR,
    DAY
  }

  public RateLimitRuleIr {
    requireNonNull(id, "id");
    selectors = Lists.copy(selectors);
    requireNonNull(unit, "unit");
    if (requests < 1) {
      throw new IllegalArgumentException("requests: " + requests + " (expected: at least 1)");
    }
  }
}
