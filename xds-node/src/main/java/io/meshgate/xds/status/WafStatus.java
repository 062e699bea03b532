package io.meshgate.xds.status;

import io.meshgate.config.model.ConditionStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.config.model.Waf;
import io.meshgate.xds.ir.FilterChainIr;
import io.meshgate.xds.ir.PortListenerIr;
import io.meshgate.xds.ir.ProxyGroupIr;
import io.meshgate.xds.ir.ResolvedIr;
import io.meshgate.xds.ir.WafIr;
import io.meshgate.xds.ir.WafRouteIr;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The WafRuleSet condition of every SecurityPolicy that sets {@code waf}: which rule set and mode
 * are in force on its routes, read from the resolved IR (what Envoy is given), never from the spec
 * alone. True (reason {@code Block} or {@code DetectionOnly}) when at least one route is inspected
 * by the policy's WAF, with the rule set (the OWASP Core Rule Set embedded in the coraza-proxy-wasm
 * module of that SHA-256, its paranoia level and thresholds; or the policy's own directives only),
 * the number of excluded rules and tags, and the number of routes; False otherwise: {@code
 * Disabled} for {@code disabled: true}, {@code NotInForce} when no route takes its WAF (a Problem,
 * which ResolvedRefs states, or no route it governs). Pure.
 */
public final class WafStatus {
  /** The condition's type. */
  public static final String WAF_RULE_SET = "WafRuleSet";

  private WafStatus() {}

  /** WafRuleSet for each SecurityPolicy that sets {@code waf}. */
  public static Map<ResourceKey, Conditions.Desired> desired(
      Iterable<Resource> resources, ResolvedIr resolved) {
    Map<String, WafIr> filters = new HashMap<>();
    Map<ResourceKey, String> filterOf = new HashMap<>();
    Map<ResourceKey, Set<String>> routesOf = new HashMap<>();
    for (ProxyGroupIr group : resolved.groups()) {
      for (var listener : group.listeners()) {
        if (listener instanceof PortListenerIr port) {
          for (FilterChainIr chain : port.chains()) {
            if (chain.target() instanceof FilterChainIr.Target.Http http) {
              http.waf().forEach(w -> filters.put(w.name(), w));
            }
          }
        }
      }
      group.routeTables().stream()
          .flatMap(t -> t.virtualHosts().stream())
          .flatMap(h -> h.routes().stream())
          .forEach(
              route -> {
                if (route.policy() != null
                    && route.policy().waf() instanceof WafRouteIr.Inspect inspect) {
                  ResourceKey policy = inspect.policy().key();
                  filterOf.put(policy, inspect.name());
                  routesOf
                      .computeIfAbsent(policy, k -> new TreeSet<>())
                      .add(group.name() + " " + route.name());
                }
              });
    }
    Map<ResourceKey, Conditions.Desired> desired = new LinkedHashMap<>();
    for (Resource resource : resources) {
      if (resource.kind() != Kind.SECURITY_POLICY) {
        continue;
      }
      Waf waf = resource.spec(SecurityPolicySpec.class).waf();
      if (waf == null) {
        continue;
      }
      long generation =
          resource.metadata().generation() == null ? 0 : resource.metadata().generation();
      WafIr inForce = filters.get(filterOf.get(resource.key()));
      Conditions.Desired condition;
      if (waf.turnsOff()) {
        condition =
            new Conditions.Desired(
                WAF_RULE_SET,
                ConditionStatus.FALSE,
                "Disabled",
                "disabled: true: no WAF on the routes this policy governs",
                generation);
      } else if (inForce == null) {
        condition =
            new Conditions.Desired(
                WAF_RULE_SET,
                ConditionStatus.FALSE,
                "NotInForce",
                "no route is inspected by this policy's WAF: see ResolvedRefs for a problem, or"
                    + " a more specific policy sets waf for every route it governs",
                generation);
      } else {
        condition =
            new Conditions.Desired(
                WAF_RULE_SET,
                ConditionStatus.TRUE,
                inForce.mode() == WafIr.Mode.BLOCK ? "Block" : "DetectionOnly",
                describe(inForce, waf, routesOf.get(resource.key()).size()),
                generation);
      }
      desired.put(resource.key(), condition);
    }
    return desired;
  }

  /** What a reader needs to know is running: rule set, module, level, thresholds, mode, reach. */
  static String describe(WafIr waf, Waf spec, int routes) {
    StringBuilder text = new StringBuilder();
    String module = "coraza-proxy-wasm sha256:" + waf.module().sha256().substring(0, 12);
    if (waf.coreRuleSet() != null) {
      WafIr.CoreRuleSet crs = waf.coreRuleSet();
      text.append("OWASP Core Rule Set as embedded in ")
          .append(module)
          .append(", paranoia level ")
          .append(crs.paranoiaLevel())
          .append(", anomaly thresholds ")
          .append(crs.inboundAnomalyThreshold())
          .append(" inbound and ")
          .append(crs.outboundAnomalyThreshold())
          .append(" outbound");
    } else {
      text.append("the policy's own directives only (no Core Rule Set), in ").append(module);
    }
    int ids =
        spec.ruleExclusions() == null ? 0 : new TreeSet<>(spec.ruleExclusions().ruleIds()).size();
    int tags =
        spec.ruleExclusions() == null ? 0 : new TreeSet<>(spec.ruleExclusions().tags()).size();
    if (ids + tags > 0) {
      text.append(", ").append(ids).append(" rule ids and ").append(tags).append(" tags excluded");
    }
    if (!spec.directives().isEmpty()) {
      text.append(", ").append(spec.directives().size()).append(" extra directives");
    }
    text.append("; mode ")
        .append(waf.mode() == WafIr.Mode.BLOCK ? "Block" : "DetectionOnly")
        .append(", on ")
        .append(routes)
        .append(routes == 1 ? " route" : " routes");
    return text.toString();
  }
}
