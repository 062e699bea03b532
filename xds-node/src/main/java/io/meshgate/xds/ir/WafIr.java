package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One WAF as an HTTP connection manager runs it: OWASP Coraza's proxy-wasm module in Envoy's {@code
 * envoy.filters.http.wasm}, with one set of directives. One filter per distinct set, in the chains
 * whose routes use it, disabled by default and enabled by those routes.
 *
 * @param name the filter's name, {@code meshgate.waf/<12 hex digits of the directives' SHA-256>}:
 *     equal policies share a filter
 * @param mode what the engine does with a request the rules flag
 * @param coreRuleSet how the OWASP Core Rule Set runs; null: it is not loaded
 * @param directives the SecLang lines the module gets, in order (resolve.WafDirectives writes them)
 * @param module the wasm module Envoy fetches, and the cluster it fetches it through
 */
public record WafIr(
    String name, Mode mode, CoreRuleSet coreRuleSet, List<String> directives, WafModuleIr module) {
  /** What the engine does with a request the rules flag ({@code SecRuleEngine}). */
  public enum Mode {
    /** {@code SecRuleEngine On}: refused, 403. */
    BLOCK,
    /** {@code SecRuleEngine DetectionOnly}: passed on, and logged. */
    DETECTION_ONLY
  }

  /** The Core Rule Set's settings: paranoia level 1..4 and the anomaly thresholds. */
  public record CoreRuleSet(
      int paranoiaLevel, int inboundAnomalyThreshold, int outboundAnomalyThreshold) {}

  public WafIr {
    requireNonNull(name, "name");
    requireNonNull(mode, "mode");
    directives = Lists.copy(directives);
    requireNonNull(module, "module");
  }
}
