package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/**
 * Limits counted across every gateway replica by meshgate's rate limit service. Every rule counts
 * on its own; a request over any rule's limit is refused.
 */
@Doc(
    "Limits counted across every gateway replica by meshgate's rate limit service. Every rule counts on its own; a request over any rule's limit is refused.")
public record GlobalRateLimit(
    @Required @Size(min = 1, max = 16) List<GlobalRateLimitRule> rules,
    @Default("FailOpen")
        @Doc(
            "What a request gets when the counters cannot be read (Redis down or slow, the service unreachable): FailOpen lets it through, FailClosed refuses it.")
        RateLimitFailureMode failureMode) {
  public GlobalRateLimit {
    rules = Copies.list(requireNonNull(rules, "rules"));
    failureMode = failureMode == null ? RateLimitFailureMode.FAIL_OPEN : failureMode;
  }
}
