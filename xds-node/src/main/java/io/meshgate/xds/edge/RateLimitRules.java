package io.meshgate.xds.edge;

import io.meshgate.edge.ratelimit.DescriptorRule;
import io.meshgate.edge.ratelimit.DomainRules;
import io.meshgate.edge.ratelimit.Enforcement;
import io.meshgate.edge.ratelimit.FailureMode;
import io.meshgate.edge.ratelimit.Limit;
import io.meshgate.edge.ratelimit.RateLimitConfig;
import io.meshgate.edge.ratelimit.Unit;
import io.meshgate.xds.ir.GlobalRateLimitIr;
import io.meshgate.xds.ir.RateLimitRuleIr;
import io.meshgate.xds.ir.RateLimitSelectorIr;
import io.meshgate.xds.ir.ResolvedIr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The rate limit service's rules for a resolved config: one descriptor rule per global rate limit
 * rule any route carries, the path of keys and values Envoy's actions for it produce (the rule's
 * entry, then one per selector), with the limit on the last. A rule carried by many routes is one
 * rule of the service, so its counters are shared by those routes (unless it counts per route).
 */
public final class RateLimitRules {
  private RateLimitRules() {}

  public static RateLimitConfig of(ResolvedIr resolved) {
    Map<String, DescriptorRule> byId = new TreeMap<>();
    resolved
        .routes()
        .map(route -> route.policy() == null ? null : route.policy().globalRateLimit())
        .filter(Objects::nonNull)
        .forEach(
            limits -> {
              for (RateLimitRuleIr rule : limits.rules()) {
                byId.computeIfAbsent(rule.id(), id -> rule(rule, limits.failClosed()));
              }
            });
    if (byId.isEmpty()) {
      return RateLimitConfig.empty();
    }
    return RateLimitConfig.of(
        new DomainRules(GlobalRateLimitIr.DOMAIN, List.copyOf(byId.values())));
  }

  private static DescriptorRule rule(RateLimitRuleIr rule, boolean failClosed) {
    Limit limit =
        new Limit(
            unit(rule.unit()),
            rule.requests(),
            failClosed ? FailureMode.FAIL_CLOSED : FailureMode.FAIL_OPEN,
            rule.shadow() ? Enforcement.SHADOW : Enforcement.ENFORCE);
    List<DescriptorRule> path = new ArrayList<>();
    path.add(DescriptorRule.key(RateLimitRuleIr.RULE_KEY).value(rule.id()));
    for (RateLimitSelectorIr selector : rule.selectors()) {
      DescriptorRule entry = DescriptorRule.key(selector.key());
      path.add(selector.value() == null ? entry : entry.value(selector.value()));
    }
    // Built from the last entry up: the limit on the last, each nested in the one before.
    DescriptorRule nested = path.get(path.size() - 1).limit(limit);
    for (int i = path.size() - 2; i >= 0; i--) {
      nested = path.get(i).nest(nested);
    }
    return nested;
  }

  private static Unit unit(RateLimitRuleIr.Unit unit) {
    return switch (unit) {
      case SECOND -> Unit.SECOND;
      case MINUTE -> Unit.MINUTE;
      case HOUR -> Unit.HOUR;
      case DAY -> Unit.DAY;
    };
  }
}
