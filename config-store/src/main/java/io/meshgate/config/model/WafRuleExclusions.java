package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Rules removed from the WAF for the routes this policy governs. */
@Doc("Rules removed from the WAF for the routes this policy governs.")
public record WafRuleExclusions(
    @Size(max = 256)
        @Range(min = 1, max = 99999999)
        @Doc("Rule ids to remove (SecRuleRemoveById), such as 942100.")
        List<Integer> ruleIds,
    @Size(max = 64)
        @Pattern(value = Patterns.WAF_TAG, maxLength = 128)
        @Doc("Rule tags to remove (SecRuleRemoveByTag), such as attack-sqli.")
        List<String> tags) {
  public WafRuleExclusions {
    ruleIds = Copies.list(ruleIds);
    tags = Copies.list(tags);
  }
}
