package io.meshgate.xds.envoy;

import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.rbac.v3.SourcedMetadata;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.envoyproxy.envoy.type.matcher.v3.ListMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.meshgate.xds.ir.AuthorizationIr;
import io.meshgate.xds.ir.AuthorizationIr.Action;
import io.meshgate.xds.ir.AuthorizationIr.ClaimIr;
import io.meshgate.xds.ir.AuthorizationIr.ClaimType;
import io.meshgate.xds.ir.AuthorizationIr.RuleIr;
import io.meshgate.xds.ir.PathMatchIr;
import java.util.ArrayList;
import java.util.List;

/**
 * A SecurityPolicy's {@code authorization} as Envoy's RBAC filter on verified identity ({@code
 * envoy.filters.http.rbac}, right after {@code jwt_authn}): in every Envoy chain with no rules (it
 * enforces nothing), and on each route with an {@code authorization} an {@link RBACPerRoute}. A
 * request it refuses is answered 403 {@code RBAC: access denied}.
 *
 * <p>Claims are matched in the payload {@code jwt_authn} leaves in the request's dynamic metadata
 * ({@link JwtAuthn#PAYLOAD_METADATA}); {@code scope} is there as a list (the provider normalises
 * the space-delimited claim), so a scope matches as a whole word: {@code orders:write} never
 * matches {@code orders:write-all}. A request without a verified token has no payload, so no claim
 * rule matches it.
 *
 * <p>First match wins, folded into one ALLOW policy, as {@link IpRules} folds deny and allow: Envoy
 * has no ordered rules (an ALLOW set passes a request any policy matches; a DENY set refuses one
 * any policy matches). With {@code defaultAction: Deny} a request passes when some Allow rule
 * matches it and no Deny rule before that one does; with {@code defaultAction: Allow} a request
 * passes unless some Deny rule matches it and no Allow rule before that one does. Method and path
 * are matched in the principal too ({@code :method} header, {@code url_path}), since one rule's
 * claims and operation must hold together and Envoy pairs permissions and principals only as "any
 * of each".
 */
final class Authorization {
  static final String NAME = "envoy.filters.http.rbac";

  private static final String POLICY = "authorization";

  private Authorization() {}

  /** The filter's own config: no rules, so nothing is enforced where a route says nothing. */
  static io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC filter() {
    return io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDefaultInstance();
  }

  /** A route's rules: one ALLOW policy whose principal says who passes. */
  static RBACPerRoute perRoute(AuthorizationIr authorization) {
    RBAC rules =
        RBAC.newBuilder()
            .setAction(RBAC.Action.ALLOW)
            .putPolicies(
                POLICY,
                Policy.newBuilder()
                    .addPermissions(Permission.newBuilder().setAny(true))
                    .addPrincipals(passes(authorization))
                    .build())
            .build();
    return RBACPerRoute.newBuilder()
        .setRbac(
            io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules))
        .build();
  }

  /**
   * Who passes: the requests whose first matching rule has the action that is not the default,
   * negated when the default is Allow.
   */
  static Principal passes(AuthorizationIr authorization) {
    Action decisive = authorization.defaultAction() == Action.DENY ? Action.ALLOW : Action.DENY;
    List<Principal> firstMatches = new ArrayList<>();
    List<Principal> earlierOthers = new ArrayList<>();
    for (RuleIr rule : authorization.rules()) {
      Principal match = match(rule);
      if (rule.action() == decisive) {
        firstMatches.add(
            earlierOthers.isEmpty() ? match : allOf(List.of(match, not(anyOf(earlierOthers)))));
      } else {
        earlierOthers.add(match);
      }
    }
    Principal decided = firstMatches.isEmpty() ? not(any()) : anyOf(firstMatches);
    return decisive == Action.ALLOW ? decided : not(decided);
  }

  /** A rule's match: every claim, every scope, one of the methods, one of the paths. */
  private static Principal match(RuleIr rule) {
    List<Principal> parts = new ArrayList<>();
    for (ClaimIr claim : rule.claims()) {
      List<Principal> values = new ArrayList<>();
      for (String value : claim.values()) {
        values.add(claim(claim.path(), value, claim.type() == ClaimType.STRING_ARRAY));
      }
      parts.add(anyOf(values));
    }
    for (String scope : rule.scopes()) {
      parts.add(claim(List.of(JwtAuthn.SCOPE_CLAIM), scope, true));
    }
    if (!rule.methods().isEmpty()) {
      parts.add(
          anyOf(
              rule.methods().stream()
                  .map(
                      m ->
                          Principal.newBuilder()
                              .setHeader(
                                  HeaderMatcher.newBuilder()
                                      .setName(":method")
                                      .setStringMatch(StringMatcher.newBuilder().setExact(m)))
                              .build())
                  .toList()));
    }
    if (!rule.paths().isEmpty()) {
      List<Principal> paths = new ArrayList<>();
      for (PathMatchIr path : rule.paths()) {
        if (path instanceof PathMatchIr.Exact || path.value().endsWith("/")) {
          paths.add(
              urlPath(
                  path instanceof PathMatchIr.Exact
                      ? StringMatcher.newBuilder().setExact(path.value())
                      : StringMatcher.newBuilder().setPrefix(path.value())));
        } else {
          // A PathPrefix matches whole segments: /orders and /orders/..., never /ordersX.
          paths.add(urlPath(StringMatcher.newBuilder().setExact(path.value())));
          paths.add(urlPath(StringMatcher.newBuilder().setPrefix(path.value() + "/")));
        }
      }
      parts.add(anyOf(paths));
    }
    return parts.isEmpty() ? any() : allOf(parts);
  }

  /** The verified payload's claim at {@code path} is {@code value}, or holds it (a list). */
  private static Principal claim(List<String> path, String value, boolean list) {
    MetadataMatcher.Builder matcher =
        MetadataMatcher.newBuilder()
            .setFilter(JwtAuthn.NAME)
            .addPath(MetadataMatcher.PathSegment.newBuilder().setKey(JwtAuthn.PAYLOAD_METADATA));
    path.forEach(key -> matcher.addPath(MetadataMatcher.PathSegment.newBuilder().setKey(key)));
    ValueMatcher exact =
        ValueMatcher.newBuilder()
            .setStringMatch(StringMatcher.newBuilder().setExact(value))
            .build();
    matcher.setValue(
        list
            ? ValueMatcher.newBuilder().setListMatch(ListMatcher.newBuilder().setOneOf(exact))
            : exact.toBuilder());
    return Principal.newBuilder()
        .setSourcedMetadata(SourcedMetadata.newBuilder().setMetadataMatcher(matcher))
        .build();
  }

  private static Principal urlPath(StringMatcher.Builder matcher) {
    return Principal.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(matcher)).build();
  }

  private static Principal any() {
    return Principal.newBuilder().setAny(true).build();
  }

  private static Principal not(Principal principal) {
    return Principal.newBuilder().setNotId(principal).build();
  }

  private static Principal anyOf(List<Principal> principals) {
    return principals.size() == 1
        ? principals.get(0)
        : Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(principals)).build();
  }

  private static Principal allOf(List<Principal> principals) {
    return principals.size() == 1
        ? principals.get(0)
        : Principal.newBuilder()
            .setAndIds(Principal.Set.newBuilder().addAllIds(principals))
            .build();
  }
}
