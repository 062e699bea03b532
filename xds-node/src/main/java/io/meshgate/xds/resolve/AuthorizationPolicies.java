package io.meshgate.xds.resolve;

import io.meshgate.config.model.Authorization;
import io.meshgate.config.model.AuthorizationRule;
import io.meshgate.config.model.HttpMethod;
import io.meshgate.config.model.HttpPathMatch;
import io.meshgate.config.model.JwtClaimMatch;
import io.meshgate.config.model.JwtClaimValueType;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.PathMatchType;
import io.meshgate.config.model.PermissionAction;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.AuthorizationIr;
import io.meshgate.xds.ir.AuthorizationIr.Action;
import io.meshgate.xds.ir.AuthorizationIr.ClaimIr;
import io.meshgate.xds.ir.AuthorizationIr.ClaimType;
import io.meshgate.xds.ir.AuthorizationIr.RuleIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SourceRef;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code authorization} of every SecurityPolicy: its rules as the IR states them.
 * config-store's validation already holds paths to Exact or PathPrefix and rule names to one per
 * policy.
 *
 * <p>What only a route can tell: rules on claims read the payload that JWT authentication leaves in
 * the request's metadata, so a route governed by such rules must also ask for a JWT. Where it does
 * not, {@link #onRoute} reports it and the route answers 500: without a token no claim rule could
 * ever match, and a Deny rule on claims would silently never deny.
 */
final class AuthorizationPolicies {
  /** What a SecurityPolicy's {@code authorization} asks of one route. */
  sealed interface Authz {
    /** The rules, enforced by RBAC on the route. */
    record Enforced(AuthorizationIr authorization) implements Authz {}

    /** Rules on claims on a route without a JWT (a Problem says so): the route answers 500. */
    record Broken(SourceRef policy) implements Authz {}
  }

  private AuthorizationPolicies() {}

  /** Every SecurityPolicy that sets {@code authorization}, by key. */
  static Map<ResourceKey, AuthorizationIr> of(Context context) {
    Map<ResourceKey, AuthorizationIr> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      Authorization authorization = policy.spec(SecurityPolicySpec.class).authorization();
      if (authorization != null) {
        byPolicy.put(policy.key(), authorization(authorization, Context.source(policy)));
      }
    }
    return byPolicy;
  }

  /**
   * The route's authorization, enforced when it reads no claims or the route asks for a JWT;
   * otherwise broken, with a Problem on the policy (once): the route answers 500.
   */
  static Authz onRoute(Context context, AuthorizationIr authorization, boolean routeHasJwt) {
    if (!authorization.readsClaims() || routeHasJwt) {
      return new Authz.Enforced(authorization);
    }
    SourceRef source = authorization.policy();
    Set<SourceRef> reported = context.memo("authorizationWithoutJwt", HashSet::new);
    if (reported.add(source)) {
      context
          .get(new ResourceKey(Kind.SECURITY_POLICY, source.namespace(), source.name()))
          .ifPresent(
              policy ->
                  context.problem(
                      policy,
                      "/spec/authorization",
                      ProblemReason.INVALID,
                      "rules on JWT claims or scopes govern routes that ask for no JWT (set jwt on"
                          + " this policy or a less specific one); those routes answer 500 until"
                          + " it is fixed"));
    }
    return new Authz.Broken(source);
  }

  private static AuthorizationIr authorization(Authorization authorization, SourceRef source) {
    List<RuleIr> rules = authorization.rules().stream().map(AuthorizationPolicies::rule).toList();
    return new AuthorizationIr(action(authorization.defaultAction()), rules, source);
  }

  private static RuleIr rule(AuthorizationRule rule) {
    List<ClaimIr> claims = List.of();
    List<String> scopes = List.of();
    if (rule.principal() != null) {
      claims = rule.principal().jwt().claims().stream().map(AuthorizationPolicies::claim).toList();
      scopes = rule.principal().jwt().scopes().stream().distinct().sorted().toList();
    }
    List<String> methods = List.of();
    List<PathMatchIr> paths = List.of();
    if (rule.operation() != null) {
      methods =
          rule.operation().methods().stream().map(HttpMethod::name).distinct().sorted().toList();
      paths = rule.operation().paths().stream().map(AuthorizationPolicies::path).toList();
    }
    return new RuleIr(rule.name(), action(rule.action()), claims, scopes, methods, paths);
  }

  private static ClaimIr claim(JwtClaimMatch claim) {
    return new ClaimIr(
        Arrays.asList(claim.name().split("\\.", -1)),
        claim.values().stream().distinct().sorted().toList(),
        claim.valueType() == JwtClaimValueType.STRING_ARRAY
            ? ClaimType.STRING_ARRAY
            : ClaimType.STRING);
  }

  private static PathMatchIr path(HttpPathMatch path) {
    return path.type() == PathMatchType.EXACT
        ? new PathMatchIr.Exact(path.value())
        : new PathMatchIr.Prefix(path.value());
  }

  private static Action action(PermissionAction action) {
    return action == PermissionAction.ALLOW ? Action.ALLOW : Action.DENY;
  }
}
