package io.meshgate.config.validate;

import io.meshgate.config.model.Waf;
import io.meshgate.config.model.WafCoreRuleSet;
import io.meshgate.config.model.WafRuleExclusions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A SecurityPolicy's {@code waf}: off takes no other field, a WAF runs some rules, and the extra
 * directives cannot undo what meshgate owns (the mode, the rule set, body inspection).
 */
final class WafRules {
  /** The longest directive line a policy may hold. */
  static final int MAX_DIRECTIVE_LENGTH = 1024;

  /**
   * Directives meshgate writes itself or that would switch inspection off: the engine's mode
   * ({@code mode}), the rule set ({@code Include} of the module's files), body access, and letting
   * a body over the limit through uninspected.
   */
  static final Set<String> REFUSED_DIRECTIVES =
      Set.of(
          "secruleengine",
          "include",
          "secrequestbodyaccess",
          "secresponsebodyaccess",
          "secrequestbodylimitaction");

  /** Rule actions that switch inspection off for a request at run time. */
  static final List<String> REFUSED_ACTIONS =
      List.of("ctl:ruleengine", "ctl:requestbodyaccess", "ctl:responsebodyaccess");

  private WafRules() {}

  static void check(Waf waf, Problems problems) {
    if (waf.turnsOff()) {
      List<String> set = new ArrayList<>();
      if (waf.mode() != null) {
        set.add("mode");
      }
      if (waf.coreRuleSet() != null) {
        set.add("coreRuleSet");
      }
      if (waf.ruleExclusions() != null) {
        set.add("ruleExclusions");
      }
      if (!waf.directives().isEmpty()) {
        set.add("directives");
      }
      if (!set.isEmpty()) {
        problems.add(
            "/spec/waf/disabled",
            "disabled: true turns the WAF off and takes no other field (set: "
                + String.join(", ", set)
                + ")",
            null);
      }
      return;
    }
    WafCoreRuleSet crs = waf.coreRuleSet() == null ? WafCoreRuleSet.DEFAULTS : waf.coreRuleSet();
    if (!crs.enabled() && waf.directives().isEmpty()) {
      problems.add(
          "/spec/waf/coreRuleSet/enabled",
          "with the Core Rule Set off the WAF has no rules: add directives, or set disabled: true"
              + " to turn a wider policy's WAF off",
          null);
    }
    WafRuleExclusions exclusions = waf.ruleExclusions();
    if (exclusions != null && exclusions.ruleIds().isEmpty() && exclusions.tags().isEmpty()) {
      problems.add("/spec/waf/ruleExclusions", "needs ruleIds or tags", null);
    }
    for (int i = 0; i < waf.directives().size(); i++) {
      checkDirective(waf.directives().get(i), "/spec/waf/directives/" + i, problems);
    }
  }

  private static void checkDirective(String line, String at, Problems problems) {
    if (line.isBlank()) {
      problems.add(at, "is empty", null);
      return;
    }
    if (line.length() > MAX_DIRECTIVE_LENGTH) {
      problems.add(at, "is " + line.length() + " characters long (expected: at most 1024)", null);
      return;
    }
    if (line.chars().anyMatch(c -> Character.isISOControl(c))) {
      problems.add(
          at, "holds a line break or another control character (expected: one directive)", null);
      return;
    }
    String name = line.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
    if (REFUSED_DIRECTIVES.contains(name)) {
      problems.add(
          at,
          "is meshgate's own directive ("
              + line.strip().split("\\s+", 2)[0]
              + "): the mode comes from mode, the rule set from coreRuleSet, and body inspection"
              + " stays on",
          null);
      return;
    }
    String lower = line.toLowerCase(Locale.ROOT);
    for (String action : REFUSED_ACTIONS) {
      if (lower.contains(action)) {
        problems.add(
            at,
            "a rule may not switch inspection off ("
                + action
                + "); exclude rules with ruleExclusions or SecRuleRemoveById",
            null);
        return;
      }
    }
  }
}
