package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * One counter per distinct combination of the selectors' values. Without selectors, one counter for
 * every request the policy governs.
 */
@Doc(
    "One counter per distinct combination of the selectors' values; without selectors, one counter for every request the policy governs.")
public record GlobalRateLimitRule(
    @Pattern(value = Patterns.LABEL, maxLength = 63)
        @Doc(
            "Names the rule's counters; without a name they are named by the rule's position, so reordering rules restarts their counts.")
        String name,
    @Size(max = 7)
        @Doc(
            "What a request is counted by; all of them together (a combination). A request a selector cannot read (the header or claim is absent) is not counted by this rule.")
        List<RateLimitSelector> selectors,
    @Required GlobalLimit limit,
    @Doc(
            "Counts and reports the remaining quota in response headers, but never refuses: to try a limit on live traffic.")
        Boolean shadow) {
  public GlobalRateLimitRule {
    selectors = Copies.list(selectors);
    requireNonNull(limit, "limit");
  }
}
