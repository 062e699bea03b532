package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshgate.xds.ir.AccessIr;
import io.meshgate.xds.ir.PathMatchIr;
import java.util.ArrayList;
import java.util.List;

/**
 * TrafficPermissions as Envoy's RBAC, which grpc-java's xDS servers apply too (gRFC A41). Two RBAC
 * filters, because one holds one action: the first denies the callers of Deny permissions, the
 * second, when callers are restricted, lets in only those of Allow permissions (none: nobody). For
 * HTTP both filters sit in the chain unconfigured and the inbound virtual host configures them, so
 * a permission change is a route change and connections stay; TCP has no routes, so its filters
 * carry the rules.
 */
final class Access {
  /** The HTTP filter that refuses denied callers. */
  static final String DENY = "meshgate.access.deny";

  /** The HTTP filter that lets in only allowed callers. */
  static final String ALLOW = "meshgate.access.allow";

  static final String HTTP_RBAC = "envoy.filters.http.rbac";
  static final String NETWORK_RBAC = "envoy.filters.network.rbac";

  private Access() {}

  /** The two HTTP filters as they sit in the chain: enforcing nothing until a host says so. */
  static List<HttpFilter> httpFilters() {
    Any unconfigured =
        Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDefaultInstance());
    return List.of(
        HttpFilter.newBuilder().setName(DENY).setTypedConfig(unconfigured).build(),
        HttpFilter.newBuilder().setName(ALLOW).setTypedConfig(unconfigured).build());
  }

  /** The per-host configuration of the deny filter; an empty override when nothing is denied. */
  static Any denyPerHost(AccessIr access) {
    return perRoute(access.denies().isEmpty() ? null : rules(RBAC.Action.DENY, access.denies()));
  }

  /** The per-host configuration of the allow filter; an empty override when all may call. */
  static Any allowPerHost(AccessIr access) {
    return perRoute(access.restrictsCallers() ? rules(RBAC.Action.ALLOW, access.allows()) : null);
  }

  /** The network filters of a TCP inbound chain, deny first. */
  static List<Filter> networkFilters(AccessIr access, String statPrefix) {
    List<Filter> filters = new ArrayList<>();
    if (!access.denies().isEmpty()) {
      filters.add(network(rules(RBAC.Action.DENY, access.denies()), statPrefix + "/deny"));
    }
    if (access.restrictsCallers()) {
      filters.add(network(rules(RBAC.Action.ALLOW, access.allows()), statPrefix + "/allow"));
    }
    return filters;
  }

  private static Filter network(RBAC rules, String statPrefix) {
    return Filter.newBuilder()
        .setName(NETWORK_RBAC)
        .setTypedConfig(
            Any.pack(
                io.envoyproxy
                    .envoy
                    .extensions
                    .filters
                    .network
                    .rbac
                    .v3
                    .RBAC
                    .newBuilder()
                    .setStatPrefix(statPrefix)
                    .setRules(rules)
                    .build()))
        .build();
  }

  /** An override: these rules, or (null) the filter off for the host. */
  private static Any perRoute(RBAC rules) {
    RBACPerRoute.Builder override = RBACPerRoute.newBuilder();
    if (rules != null) {
      override.setRbac(
          io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules));
    }
    return Any.pack(override.build());
  }

  private static RBAC rules(RBAC.Action action, List<AccessIr.Rule> rules) {
    RBAC.Builder rbac = RBAC.newBuilder().setAction(action);
    for (AccessIr.Rule rule : rules) {
      rbac.putPolicies(rule.name(), policy(rule));
    }
    return rbac.build();
  }

  private static Policy policy(AccessIr.Rule rule) {
    Policy.Builder policy = Policy.newBuilder();
    for (AccessIr.Principal principal : rule.principals()) {
      StringMatcher name =
          principal instanceof AccessIr.Principal.Exact exact
              ? StringMatcher.newBuilder().setExact(exact.spiffeId()).build()
              : StringMatcher.newBuilder()
                  .setPrefix(((AccessIr.Principal.Prefix) principal).prefix())
                  .build();
      policy.addPrincipals(
          Principal.newBuilder()
              .setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(name)));
    }
    List<Permission> parts = new ArrayList<>();
    if (!rule.methods().isEmpty()) {
      Permission.Set.Builder methods = Permission.Set.newBuilder();
      for (String method : rule.methods()) {
        methods.addRules(
            Permission.newBuilder()
                .setHeader(
                    HeaderMatcher.newBuilder()
                        .setName(":method")
                        .setStringMatch(StringMatcher.newBuilder().setExact(method))));
      }
      parts.add(Permission.newBuilder().setOrRules(methods).build());
    }
    if (!rule.paths().isEmpty()) {
      Permission.Set.Builder paths = Permission.Set.newBuilder();
      for (PathMatchIr path : rule.paths()) {
        if (path instanceof PathMatchIr.Exact || path.value().endsWith("/")) {
          paths.addRules(
              urlPath(
                  path instanceof PathMatchIr.Exact
                      ? StringMatcher.newBuilder().setExact(path.value())
                      : StringMatcher.newBuilder().setPrefix(path.value())));
        } else {
          // A PathPrefix matches whole segments: /orders and /orders/..., never /ordersX.
          paths.addRules(urlPath(StringMatcher.newBuilder().setExact(path.value())));
          paths.addRules(urlPath(StringMatcher.newBuilder().setPrefix(path.value() + "/")));
        }
      }
      parts.add(Permission.newBuilder().setOrRules(paths).build());
    }
    if (parts.isEmpty()) {
      policy.addPermissions(Permission.newBuilder().setAny(true));
    } else if (parts.size() == 1) {
      policy.addPermissions(parts.get(0));
    } else {
      policy.addPermissions(
          Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(parts)));
    }
    return policy.build();
  }

  private static Permission urlPath(StringMatcher.Builder matcher) {
    return Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(matcher)).build();
  }
}
