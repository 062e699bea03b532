package io.meshgate.xds.resolve;

import io.meshgate.config.model.ClientIpSelector;
import io.meshgate.config.model.GlobalRateLimit;
import io.meshgate.config.model.GlobalRateLimitRule;
import io.meshgate.config.model.RateLimitFailureMode;
import io.meshgate.config.model.RateLimitSelector;
import io.meshgate.config.model.RateLimitUnit;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.TrafficPolicySpec;
import io.meshgate.xds.ir.GlobalRateLimitIr;
import io.meshgate.xds.ir.RateLimitRuleIr;
import io.meshgate.xds.ir.RateLimitSelectorIr;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A TrafficPolicy's {@code rateLimit.global} as the IR holds it: rules named {@code
 * <namespace>/<policy>/<rule>} (a rule without a name by its position), selectors in the order
 * written. The validator has refused what this cannot translate (a selector setting two things,
 * names used twice).
 */
final class GlobalRateLimits {
  private GlobalRateLimits() {}

  /** The policy's global limits; empty when it sets none. */
  static Optional<GlobalRateLimitIr> of(Resource policy) {
    TrafficPolicySpec spec = policy.spec(TrafficPolicySpec.class);
    if (spec.rateLimit() == null || spec.rateLimit().global() == null) {
      return Optional.empty();
    }
    GlobalRateLimit global = spec.rateLimit().global();
    List<RateLimitRuleIr> rules = new ArrayList<>();
    for (int i = 0; i < global.rules().size(); i++) {
      GlobalRateLimitRule rule = global.rules().get(i);
      String name = rule.name() == null ? String.valueOf(i) : rule.name();
      String id = policy.key().namespace() + "/" + policy.key().name() + "/" + name;
      rules.add(
          new RateLimitRuleIr(
              id,
              rule.selectors().stream().map(GlobalRateLimits::selector).toList(),
              rule.limit().requests(),
              unit(rule.limit().unit()),
              Boolean.TRUE.equals(rule.shadow())));
    }
    return Optional.of(
        new GlobalRateLimitIr(rules, global.failureMode() == RateLimitFailureMode.FAIL_CLOSED));
  }

  private static RateLimitSelectorIr selector(RateLimitSelector selector) {
    if (selector.clientIP() != null) {
      ClientIpSelector ip = selector.clientIP();
      return new RateLimitSelectorIr.ClientAddress(ip.ipv4PrefixLength(), ip.ipv6PrefixLength());
    }
    if (selector.header() != null) {
      return new RateLimitSelectorIr.Header(selector.header().name(), selector.header().value());
    }
    if (selector.claim() != null) {
      return new RateLimitSelectorIr.Claim(selector.claim().name());
    }
    if (selector.path() != null) {
      return new RateLimitSelectorIr.Path(RouteRules.pathMatch(selector.path()));
    }
    return new RateLimitSelectorIr.Route();
  }

  private static RateLimitRuleIr.Unit unit(RateLimitUnit unit) {
    return switch (unit) {
      case SECOND -> RateLimitRuleIr.Unit.SECOND;
      case MINUTE -> RateLimitRuleIr.Unit.MINUTE;
      case HOUR -> RateLimitRuleIr.Unit.HOUR;
      case DAY -> RateLimitRuleIr.Unit.DAY;
    };
  }
}
