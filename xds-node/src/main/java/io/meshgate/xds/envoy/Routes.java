package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.meshgate.xds.ir.ExtAuthRouteIr;
import io.meshgate.xds.ir.HashOnIr;
import io.meshgate.xds.ir.HeaderMatchIr;
import io.meshgate.xds.ir.HeaderOpsIr;
import io.meshgate.xds.ir.HeaderValueIr;
import io.meshgate.xds.ir.MirrorIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.PathRewriteIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RetryIr;
import io.meshgate.xds.ir.RouteActionIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RoutePolicyIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.StringMatchIr;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.ir.WafRouteIr;
import io.meshgate.xds.ir.WeightedClusterIr;
import io.meshgate.xds.keys.KeyRing;
import java.util.List;
import java.util.TreeSet;

/**
 * Route tables: virtual hosts, matches in precedence order, forwarding by weight, header
 * operations.
 */
final class Routes {
  private Routes() {}

  /**
   * @param keys the key ring the IR was resolved with: the credentials of API keys and basic auth
   *     are read from it
   */
  static RouteConfiguration of(RouteTableIr table, ProxyKind kind, KeyRing keys) {
    RouteConfiguration.Builder config = RouteConfiguration.newBuilder().setName(table.name());
    for (VirtualHostIr host : table.virtualHosts()) {
      config.addVirtualHosts(virtualHost(host, table.name(), kind, keys));
    }
    return config.build();
  }

  /** One virtual host of the route configuration {@code table} names. */
  static VirtualHost virtualHost(VirtualHostIr host, String table, ProxyKind kind, KeyRing keys) {
    VirtualHost.Builder vhost =
        VirtualHost.newBuilder().setName(host.name()).addAllDomains(host.domains());
    if (host.rateLimit() != null && kind == ProxyKind.ENVOY) {
      vhost.putTypedPerFilterConfig(
          HttpFilters.LOCAL_RATE_LIMIT,
          Any.pack(HttpFilters.rateLimit(host.rateLimit(), table + "/" + host.name())));
    }
    if (host.access() != null) {
      vhost.putTypedPerFilterConfig(Access.DENY, Access.denyPerHost(host.access()));
      vhost.putTypedPerFilterConfig(Access.ALLOW, Access.allowPerHost(host.access()));
    }
    host.routes().forEach(r -> vhost.addRoutes(route(r, kind, keys)));
    return vhost.build();
  }

  private static Route route(RouteIr route, ProxyKind kind, KeyRing keys) {
    Route.Builder builder = Route.newBuilder().setName(route.name()).setMatch(match(route, kind));
    if (route.action() instanceof RouteActionIr.Forward forward) {
      builder.setRoute(action(route, forward, kind));
    } else if (route.action() instanceof RouteActionIr.Redirect redirect) {
      builder.setRedirect(redirect(route, redirect));
    } else if (route.action() instanceof RouteActionIr.Serve) {
      builder.setNonForwardingAction(NonForwardingAction.getDefaultInstance());
    } else {
      RouteActionIr.DirectResponse direct = (RouteActionIr.DirectResponse) route.action();
      builder.setDirectResponse(DirectResponseAction.newBuilder().setStatus(direct.status()));
    }
    headerOps(builder, route.requestHeaders(), true);
    headerOps(builder, route.responseHeaders(), false);
    RoutePolicyIr policy = route.policy();
    if (kind == ProxyKind.ENVOY && (policy == null || policy.basicAuth() == null)) {
      // Only basic auth writes who the gateway authenticated; anywhere else a value under that name
      // came from the client, and an upstream must never read it as verified.
      builder.addRequestHeadersToRemove(CredentialAuth.CLIENT_HEADER);
    }
    if (policy != null && policy.rateLimit() != null && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          HttpFilters.LOCAL_RATE_LIMIT,
          Any.pack(HttpFilters.rateLimit(policy.rateLimit(), route.name())));
    }
    if (policy != null && policy.cors() != null && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          HttpFilters.CORS, Any.pack(CrossOrigin.perRoute(policy.cors())));
    }
    if (policy != null && policy.ipAccess() != null && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          HttpFilters.IP_ACCESS, Any.pack(IpRules.perRoute(policy.ipAccess())));
    }
    if (policy != null
        && policy.waf() instanceof WafRouteIr.Inspect inspect
        && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(inspect.name(), WebFirewall.enabled());
    }
    if (policy != null && policy.oauth2() != null && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(policy.oauth2(), OidcLogin.enabled());
    }
    if (policy != null && policy.apiKeyAuth() != null && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          HttpFilters.API_KEY_AUTH, Any.pack(CredentialAuth.apiKeys(policy.apiKeyAuth(), keys)));
    }
    if (policy != null && policy.basicAuth() != null && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          HttpFilters.BASIC_AUTH, Any.pack(CredentialAuth.basic(policy.basicAuth(), keys)));
    }
    if (policy != null && policy.jwt() != null && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          HttpFilters.JWT_AUTHN, Any.pack(JwtAuthn.perRoute(policy.jwt())));
    }
    List<String> untrusted = untrustedHeaders(policy);
    if (!untrusted.isEmpty() && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          HttpFilters.UNTRUSTED_HEADERS, Any.pack(UntrustedHeaders.perRoute(untrusted)));
    }
    if (policy != null && policy.authorization() != null && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          HttpFilters.AUTHORIZATION, Any.pack(Authorization.perRoute(policy.authorization())));
    }
    if (policy != null && policy.hmac() != null && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          HmacSignatures.FILTER, Any.pack(HmacSignatures.perRoute(policy.hmac())));
    }
    if (policy != null
        && policy.extAuth() instanceof ExtAuthRouteIr.Check check
        && kind == ProxyKind.ENVOY) {
      builder.putTypedPerFilterConfig(
          ExternalAuth.filterName(check.name()), Any.pack(ExternalAuth.perRoute()));
    }
    if (policy != null && kind == ProxyKind.ENVOY) {
      Transforms.perRoute(builder, policy.transform());
    }
    if (policy != null && policy.fault() != null) {
      builder.putTypedPerFilterConfig(
          HttpFilters.FAULT, Any.pack(HttpFilters.fault(policy.fault())));
    }
    return builder.build();
  }

  /**
   * The headers later filters of the route write as verified (JWT claims, the authorization
   * service's headers), lower-case and sorted: a client's copies are removed first.
   */
  private static List<String> untrustedHeaders(RoutePolicyIr policy) {
    if (policy == null) {
      return List.of();
    }
    TreeSet<String> headers = new TreeSet<>();
    if (policy.jwt() != null) {
      headers.addAll(policy.jwt().claimHeaders());
    }
    if (policy.extAuth() instanceof ExtAuthRouteIr.Check check) {
      headers.addAll(check.headersToUpstream());
    }
    return List.copyOf(headers);
  }

  private static RouteMatch match(RouteIr route, ProxyKind kind) {
    RouteMatch.Builder match = RouteMatch.newBuilder();
    PathMatchIr path = route.match().path();
    if (path instanceof PathMatchIr.Exact exact) {
      match.setPath(exact.value());
    } else if (path instanceof PathMatchIr.Regex regex) {
      match.setSafeRegex(RegexMatcher.newBuilder().setRegex(regex.value()));
    } else if (path.value().equals("/")
        || path.value().endsWith("/")
        || kind == ProxyKind.PROXYLESS) {
      // gRPC's xDS client knows prefix, path and safe_regex only; a trailing slash already bounds a
      // segment.
      match.setPrefix(path.value());
    } else {
      // Gateway API's PathPrefix matches whole segments: /api matches /api and /api/x, not /apix.
      match.setPathSeparatedPrefix(path.value());
    }
    for (HeaderMatchIr header : route.match().headers()) {
      match.addHeaders(
          HeaderMatcher.newBuilder().setName(header.name()).setStringMatch(string(header.value())));
    }
    for (HeaderMatchIr query : route.match().queryParams()) {
      match.addQueryParameters(
          QueryParameterMatcher.newBuilder()
              .setName(query.name())
              .setStringMatch(string(query.value())));
    }
    return match.build();
  }

  private static StringMatcher string(StringMatchIr value) {
    return value instanceof StringMatchIr.Exact exact
        ? StringMatcher.newBuilder().setExact(exact.value()).build()
        : StringMatcher.newBuilder()
            .setSafeRegex(RegexMatcher.newBuilder().setRegex(value.value()))
            .build();
  }

  private static RouteAction action(RouteIr route, RouteActionIr.Forward forward, ProxyKind kind) {
    RouteAction.Builder action = RouteAction.newBuilder();
    List<WeightedClusterIr> clusters = forward.clusters();
    if (clusters.size() == 1) {
      action.setCluster(clusters.get(0).cluster());
    } else {
      WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
      for (WeightedClusterIr cluster : clusters) {
        weighted.addClusters(
            WeightedCluster.ClusterWeight.newBuilder()
                .setName(cluster.cluster())
                .setWeight(UInt32Value.of(cluster.weight())));
      }
      action.setWeightedClusters(weighted);
    }
    for (MirrorIr mirror : forward.mirrors()) {
      RouteAction.RequestMirrorPolicy.Builder policy =
          RouteAction.RequestMirrorPolicy.newBuilder().setCluster(mirror.cluster());
      if (!mirror.all()) {
        policy.setRuntimeFraction(
            RuntimeFractionalPercent.newBuilder().setDefaultValue(share(mirror)));
      }
      action.addRequestMirrorPolicies(policy);
    }
    if (forward.hostRewrite() != null) {
      action.setHostRewriteLiteral(forward.hostRewrite());
    }
    if (forward.pathRewrite() instanceof PathRewriteIr.Full full) {
      action.setRegexRewrite(wholePath(full.path()));
    } else if (forward.pathRewrite() instanceof PathRewriteIr.Prefix prefix) {
      action.setRegexRewrite(prefix(route, prefix));
    }
    if (route.timeoutMillis() != null) {
      if (kind == ProxyKind.PROXYLESS) {
        // gRPC reads max_stream_duration, not timeout.
        action.setMaxStreamDuration(
            RouteAction.MaxStreamDuration.newBuilder()
                .setMaxStreamDuration(Durations.fromMillis(route.timeoutMillis())));
      } else {
        action.setTimeout(Durations.fromMillis(route.timeoutMillis()));
      }
    }
    if (route.retry() != null) {
      action.setRetryPolicy(retry(route.retry()));
    }
    if (route.policy() != null
        && route.policy().idleTimeoutMillis() != null
        && kind == ProxyKind.ENVOY) {
      action.setIdleTimeout(Durations.fromMillis(route.policy().idleTimeoutMillis()));
    }
    if (route.policy() != null
        && route.policy().globalRateLimit() != null
        && kind == ProxyKind.ENVOY) {
      action.addAllRateLimits(
          GlobalRateLimits.route(route.policy().globalRateLimit(), route.name()));
    }
    HashOnIr hash = forward.hashOn();
    if (hash != null) {
      RouteAction.HashPolicy.Builder policy = RouteAction.HashPolicy.newBuilder();
      if (hash.header() != null) {
        policy.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(hash.header()));
      } else if (hash.cookie() != null) {
        // No TTL: Envoy hashes an existing cookie and never sets one.
        policy.setCookie(RouteAction.HashPolicy.Cookie.newBuilder().setName(hash.cookie()));
      } else {
        policy.setConnectionProperties(
            RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
      }
      action.addHashPolicy(policy);
    }
    return action.build();
  }

  /**
   * The share in the smallest of Envoy's denominators (100, 10,000, 1,000,000) that holds it
   * exactly, or rounded down to millionths.
   */
  private static FractionalPercent share(MirrorIr mirror) {
    long numerator = mirror.numerator();
    long denominator = mirror.denominator();
    if (numerator * 100 % denominator == 0) {
      return percent(numerator * 100 / denominator, FractionalPercent.DenominatorType.HUNDRED);
    }
    if (numerator * 10_000 % denominator == 0) {
      return percent(
          numerator * 10_000 / denominator, FractionalPercent.DenominatorType.TEN_THOUSAND);
    }
    return percent(numerator * 1_000_000 / denominator, FractionalPercent.DenominatorType.MILLION);
  }

  private static FractionalPercent percent(
      long numerator, FractionalPercent.DenominatorType denominator) {
    return FractionalPercent.newBuilder()
        .setNumerator((int) numerator)
        .setDenominator(denominator)
        .build();
  }

  private static RedirectAction redirect(RouteIr route, RouteActionIr.Redirect redirect) {
    RedirectAction.Builder action =
        RedirectAction.newBuilder().setResponseCode(responseCode(redirect.status()));
    if (redirect.scheme() != null) {
      action.setSchemeRedirect(redirect.scheme());
    }
    if (redirect.host() != null) {
      action.setHostRedirect(redirect.host());
    }
    if (redirect.port() != null) {
      action.setPortRedirect(redirect.port());
    }
    if (redirect.path() instanceof PathRewriteIr.Full full) {
      action.setPathRedirect(full.path());
    } else if (redirect.path() instanceof PathRewriteIr.Prefix prefix) {
      action.setRegexRewrite(prefix(route, prefix));
    }
    return action.build();
  }

  private static RedirectAction.RedirectResponseCode responseCode(int status) {
    return switch (status) {
      case 301 -> RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY;
      case 302 -> RedirectAction.RedirectResponseCode.FOUND;
      case 303 -> RedirectAction.RedirectResponseCode.SEE_OTHER;
      case 307 -> RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT;
      case 308 -> RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT;
      default -> throw new IllegalArgumentException("not a redirect status: " + status);
    };
  }

  /** The whole path (the query string is kept: Envoy rewrites the path only). */
  private static RegexMatchAndSubstitute wholePath(String path) {
    return RegexMatchAndSubstitute.newBuilder()
        .setPattern(RegexMatcher.newBuilder().setRegex("^/.*$"))
        .setSubstitution(path)
        .build();
  }

  /**
   * Gateway API's ReplacePrefixMatch, which works on whole segments and ignores trailing slashes on
   * either side: with prefix {@code /foo}, replacement {@code /xyz} turns {@code /foo/bar} into
   * {@code /xyz/bar} and {@code /foo} into {@code /xyz}; an empty or {@code /} replacement turns
   * both {@code /foo/bar} and {@code /foo} into {@code /bar} and {@code /}. The route's match
   * guarantees the prefix is there, ending at a segment boundary.
   */
  private static RegexMatchAndSubstitute prefix(RouteIr route, PathRewriteIr.Prefix rewrite) {
    if (!(route.match().path() instanceof PathMatchIr.Prefix matched)) {
      throw new IllegalArgumentException(
          "route " + route.name() + ": a prefix rewrite needs a PathPrefix match");
    }
    String prefix = trimTrailingSlashes(matched.value());
    String replacement = trimTrailingSlashes(rewrite.replacement());
    RegexMatchAndSubstitute.Builder regex = RegexMatchAndSubstitute.newBuilder();
    if (replacement.isEmpty()) {
      regex.setPattern(RegexMatcher.newBuilder().setRegex("^" + quote(prefix) + "/*"));
      regex.setSubstitution("/");
    } else {
      regex.setPattern(RegexMatcher.newBuilder().setRegex("^" + quote(prefix)));
      regex.setSubstitution(replacement);
    }
    return regex.build();
  }

  static String trimTrailingSlashes(String path) {
    int end = path.length();
    while (end > 0 && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(0, end);
  }

  /** RE2 escaping for a literal path. */
  static String quote(String literal) {
    StringBuilder quoted = new StringBuilder();
    for (char c : literal.toCharArray()) {
      if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
        quoted.append('\\');
      }
      quoted.append(c);
    }
    return quoted.toString();
  }

  private static RetryPolicy retry(RetryIr retry) {
    RetryPolicy.Builder policy =
        RetryPolicy.newBuilder()
            .setRetryOn(String.join(",", retry.retryOn()))
            .setNumRetries(UInt32Value.of(retry.attempts()));
    policy.addAllRetriableStatusCodes(retry.statusCodes());
    if (retry.backoffMillis() != null || retry.maxBackoffMillis() != null) {
      // Envoy's defaults: a 25 ms base, and a maximum of ten times the base.
      long base = retry.backoffMillis() != null ? retry.backoffMillis() : 25;
      long max = retry.maxBackoffMillis() != null ? retry.maxBackoffMillis() : base * 10;
      policy.setRetryBackOff(
          RetryPolicy.RetryBackOff.newBuilder()
              .setBaseInterval(Durations.fromMillis(base))
              .setMaxInterval(Durations.fromMillis(max)));
    }
    if (retry.perTryTimeoutMillis() != null) {
      policy.setPerTryTimeout(Durations.fromMillis(retry.perTryTimeoutMillis()));
    }
    return policy.build();
  }

  private static void headerOps(Route.Builder route, HeaderOpsIr ops, boolean request) {
    for (HeaderValueIr set : ops.set()) {
      HeaderValueOption option =
          option(set, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
      if (request) {
        route.addRequestHeadersToAdd(option);
      } else {
        route.addResponseHeadersToAdd(option);
      }
    }
    for (HeaderValueIr add : ops.add()) {
      HeaderValueOption option =
          option(add, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);
      if (request) {
        route.addRequestHeadersToAdd(option);
      } else {
        route.addResponseHeadersToAdd(option);
      }
    }
    if (request) {
      route.addAllRequestHeadersToRemove(ops.remove());
    } else {
      route.addAllResponseHeadersToRemove(ops.remove());
    }
  }

  private static HeaderValueOption option(
      HeaderValueIr header, HeaderValueOption.HeaderAppendAction action) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(header.name()).setValue(header.value()))
        .setAppendAction(action)
        .build();
  }
}
