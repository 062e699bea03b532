package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * A web application firewall in front of the routes this policy governs: OWASP Coraza's proxy-wasm
 * module in Envoy, running the OWASP Core Rule Set; or, with {@code disabled: true} on a more
 * specific policy, no WAF for its routes.
 */
@Doc(
    "A web application firewall (OWASP Coraza with the OWASP Core Rule Set, in Envoy) in front of the routes this policy governs; or, with disabled: true on a more specific policy, none for its routes.")
public record Waf(
    @Default("Block")
        @Doc(
            "Block: a request the rules flag is refused with 403. DetectionOnly: it passes, and the match is logged.")
        WafMode mode,
    @Doc("The Core Rule Set's settings. Unset: on, paranoia level 1, thresholds 5 and 4.")
        WafCoreRuleSet coreRuleSet,
    WafRuleExclusions ruleExclusions,
    @Size(max = 64)
        @Doc(
            "Extra SecLang directives, one per item (at most 1024 characters, no line breaks), run after the rule set. SecRuleEngine, Include, SecRequestBodyAccess, SecResponseBodyAccess, SecRequestBodyLimitAction and ctl:ruleEngine are refused: mode and the rule set are meshgate's.")
        List<String> directives,
    @Doc(
            "true: no WAF for the routes this policy governs, whatever a wider policy asks. Takes no other field.")
        Boolean disabled) {
  public Waf {
    // A policy that turns the WAF off has no mode: "disabled takes no other field" stays true.
    mode = mode == null && !Boolean.TRUE.equals(disabled) ? WafMode.BLOCK : mode;
    directives = Copies.list(directives);
  }

  /** Whether the policy turns a wider policy's WAF off. */
  public boolean turnsOff() {
    return Boolean.TRUE.equals(disabled);
  }
}
