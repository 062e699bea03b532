package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Who may call a route (a SecurityPolicy's {@code authorization}): the first rule that matches a
 * request decides; {@code defaultAction} when none does.
 *
 * @param defaultAction what a request no rule matches gets
 * @param rules in the policy's order
 * @param policy the SecurityPolicy it comes from
 */
public record AuthorizationIr(Action defaultAction, List<RuleIr> rules, SourceRef policy) {
  public AuthorizationIr {
    requireNonNull(defaultAction, "defaultAction");
    rules = Lists.copy(rules);
    requireNonNull(policy, "policy");
  }

  /** Whether a rule reads verified claims, which only a JWT requirement on the route provides. */
  public boolean readsClaims() {
    return rules.stream().anyMatch(r -> !r.claims().isEmpty() || !r.scopes().isEmpty());
  }

  /** What a rule, or the default, does with a request. */
  public enum Action {
    ALLOW,
    DENY
  }

  /**
   * A request matches when its verified token carries every claim (each with one of its values) and
   * every scope, and its method is one of {@code methods} and its path one of {@code paths} (an
   * empty list matches every request).
   *
   * @param paths {@link PathMatchIr.Exact} or {@link PathMatchIr.Prefix}
   */
  public record RuleIr(
      String name,
      Action action,
      List<ClaimIr> claims,
      List<String> scopes,
      List<String> methods,
      List<PathMatchIr> paths) {
    public RuleIr {
      requireNonNull(name, "name");
      requireNonNull(action, "action");
      claims = Lists.copy(claims);
      scopes = Lists.copy(scopes);
      methods = Lists.copy(methods);
      paths = Lists.copy(paths);
    }
  }

  /**
   * A claim that must hold one of {@code values}.
   *
   * @param path the claim's name split at dots ({@code org.team}: the {@code team} of {@code org})
   * @param type a string, or a list of strings one of which must be one of the values
   */
  public record ClaimIr(List<String> path, List<String> values, ClaimType type) {
    public ClaimIr {
      path = Lists.copy(path);
      values = Lists.copy(values);
      requireNonNull(type, "type");
    }
  }

  /** How a claim is written in the token. */
  public enum ClaimType {
    STRING,
    STRING_ARRAY
  }
}
