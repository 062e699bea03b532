package io.meshgate.xds.resolve;

import io.meshgate.config.model.JwtProvider;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.ApiKeyAuthIr;
import io.meshgate.xds.ir.BasicAuthIr;
import io.meshgate.xds.ir.CorsIr;
import io.meshgate.xds.ir.ExtAuthRouteIr;
import io.meshgate.xds.ir.HmacIr;
import io.meshgate.xds.ir.IpAccessIr;
import io.meshgate.xds.ir.JwtProviderIr;
import io.meshgate.xds.ir.JwtRequirementIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.RouteActionIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RoutePolicyIr;
import io.meshgate.xds.ir.RouteSecurityIr;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.ir.WafRouteIr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Routes chosen by verified claims: where a JWT provider has {@code recomputeRoute}, Envoy picks
 * the route again after {@code jwt_authn} wrote the claim headers ({@code clear_route_cache}), so
 * an HTTPRoute's header match on such a header selects by the verified claim.
 *
 * <p>The catch: every filter up to and including {@code jwt_authn} (CORS, the address rules, the
 * OIDC login, API keys, basic auth, the claim-header removal, JWT itself) has already run with the
 * per-route config of the route matched first — on the client's own headers, which the client
 * chose. Only the filters after it see the route picked again. A client that sends {@code x-team:
 * ops} itself would pass the first route's checks and then be routed to a route whose checks never
 * ran. So in a virtual host where some route names a requirement with such a provider, every route
 * must have the same security before JWT, part by part and from the same policies (the parts of
 * {@link RouteSecurityIr} up to and including {@code jwt}; the requirement carries the claim
 * headers removed, so those are the same too), and the same external authorization, whose filter is
 * in a request's chain only if the route matched first enables it. Which routes a re-pick can reach
 * depends on matches (paths, regexes, methods) that this check does not try to solve: it asks the
 * same of every route of the host, which is always safe.
 *
 * <p>Where that does not hold, each policy with such a provider gets a Problem and fails closed on
 * that host: its routes there answer 500 and name no JWT requirement (jwt_authn does not run for
 * them, so nothing re-picks a route), keeping only their CORS and address rules.
 */
final class ClaimRoutes {
  private ClaimRoutes() {}

  /**
   * A route table's hosts, with the routes of a host that fails the rule answering 500 for each
   * policy that asks for a re-pick there, and a Problem on each such policy.
   *
   * @param requirements the requirement a route names, by name
   */
  static List<VirtualHostIr> checked(
      Context context,
      String table,
      List<VirtualHostIr> hosts,
      Function<String, JwtPolicies.Jwt.Required> requirements) {
    List<VirtualHostIr> checked = new ArrayList<>();
    for (VirtualHostIr host : hosts) {
      checked.add(checked(context, table, host, requirements));
    }
    return checked;
  }

  private static VirtualHostIr checked(
      Context context,
      String table,
      VirtualHostIr host,
      Function<String, JwtPolicies.Jwt.Required> requirements) {
    // The requirements that re-pick a route, by name, and the first route that names one.
    Map<String, JwtPolicies.Jwt.Required> repicking = new TreeMap<>();
    RouteIr first = null;
    for (RouteIr route : host.routes()) {
      JwtRequirementIr requirement = route.policy() == null ? null : route.policy().jwt();
      if (requirement == null) {
        continue;
      }
      JwtPolicies.Jwt.Required required = requirements.apply(requirement.name());
      if (required.providers().stream().anyMatch(JwtProviderIr::recomputeRoute)) {
        repicking.put(requirement.name(), required);
        first = first == null ? route : first;
      }
    }
    if (first == null) {
      return host;
    }
    FixedByFirstMatch expected = FixedByFirstMatch.of(first);
    Optional<RouteIr> differing =
        host.routes().stream().filter(r -> !FixedByFirstMatch.of(r).equals(expected)).findFirst();
    if (differing.isEmpty()) {
      return host;
    }
    String message =
        "recomputeRoute: routes "
            + first.name()
            + " and "
            + differing.get().name()
            + " of virtual host "
            + host.name()
            + " (route table "
            + table
            + ") differ in "
            + expected.firstDifference(FixedByFirstMatch.of(differing.get()))
            + "; Envoy runs the checks up to JWT for the route matched first and may then pick"
            + " another, so every route of the host needs the same security before JWT (from the"
            + " same policies); the routes of this host this policy governs answer 500 until it is"
            + " fixed";
    for (JwtPolicies.Jwt.Required required : repicking.values()) {
      context
          .get(required.policy().key())
          .ifPresent(
              policy ->
                  context.problem(
                      policy, recomputeRouteAt(policy), ProblemReason.INVALID, message));
    }
    List<RouteIr> routes = new ArrayList<>();
    for (RouteIr route : host.routes()) {
      JwtRequirementIr requirement = route.policy() == null ? null : route.policy().jwt();
      routes.add(
          requirement != null && repicking.containsKey(requirement.name())
              ? refused(route)
              : route);
    }
    return new VirtualHostIr(host.name(), host.domains(), routes, host.rateLimit(), host.access());
  }

  /** The first provider of the policy that asks for a re-pick (the one the Problem points at). */
  private static String recomputeRouteAt(Resource policy) {
    List<JwtProvider> providers = policy.spec(SecurityPolicySpec.class).jwt().providers();
    for (int i = 0; i < providers.size(); i++) {
      if (Boolean.TRUE.equals(providers.get(i).recomputeRoute())) {
        return "/spec/jwt/providers/" + i + "/recomputeRoute";
      }
    }
    return "/spec/jwt";
  }

  /**
   * 500, and no JWT requirement: jwt_authn must not verify (and so re-pick) on it. Its CORS and
   * address rules stay, as on any route that fails closed: a preflight is still answered and a
   * refused address still gets 403.
   */
  private static RouteIr refused(RouteIr route) {
    RoutePolicyIr policy = route.policy();
    return new RouteIr(
        route.name(),
        route.match(),
        new RouteActionIr.DirectResponse(500, ""),
        route.requestHeaders(),
        route.responseHeaders(),
        route.timeoutMillis(),
        route.retry(),
        new RoutePolicyIr(
            policy.idleTimeoutMillis(),
            policy.rateLimit(),
            policy.fault(),
            RouteSecurityIr.orNull(
                policy.cors(), policy.ipAccess(), null, null, null, null, null, null)),
        route.source());
  }

  /**
   * The parts of a route's security that the route matched first decides, in chain order: those of
   * the filters before and in jwt_authn, and external authorization. Its filter is disabled unless
   * a route enables it, and Envoy builds a request's filter chain for the route matched first: a
   * route picked again cannot add a filter that route left out (route based filter chain, see
   * {@code FilterConfig.disabled} in Envoy's API).
   */
  record FixedByFirstMatch(
      CorsIr cors,
      IpAccessIr ipAccess,
      String oauth2,
      ApiKeyAuthIr apiKeyAuth,
      BasicAuthIr basicAuth,
      JwtRequirementIr jwt,
      ExtAuthRouteIr extAuth,
      String waf,
      HmacIr hmac) {
    static FixedByFirstMatch of(RouteIr route) {
      RoutePolicyIr p = route.policy();
      if (p == null) {
        return new FixedByFirstMatch(null, null, null, null, null, null, null, null, null);
      }
      // The WAF runs before JWT: which filter inspects the request is fixed by the first match.
      String waf = p.waf() instanceof WafRouteIr.Inspect inspect ? inspect.name() : null;
      return new FixedByFirstMatch(
          p.cors(),
          p.ipAccess(),
          p.oauth2(),
          p.apiKeyAuth(),
          p.basicAuth(),
          p.jwt(),
          p.extAuth(),
          waf,
          p.hmac());
    }

    /** The field name of the first part (chain order) in which the two differ. */
    String firstDifference(FixedByFirstMatch other) {
      if (!Objects.equals(cors, other.cors)) {
        return "cors";
      }
      if (!Objects.equals(ipAccess, other.ipAccess)) {
        return "ipAccess";
      }
      if (!Objects.equals(waf, other.waf)) {
        return "waf";
      }
      if (!Objects.equals(oauth2, other.oauth2)) {
        return "oidc";
      }
      if (!Objects.equals(apiKeyAuth, other.apiKeyAuth)) {
        return "apiKeyAuth";
      }
      if (!Objects.equals(basicAuth, other.basicAuth)) {
        return "basicAuth";
      }
      if (!Objects.equals(jwt, other.jwt)) {
        return "jwt";
      }
      if (!Objects.equals(hmac, other.hmac)) {
        return "hmac";
      }
      return "extAuth";
    }
  }
}
