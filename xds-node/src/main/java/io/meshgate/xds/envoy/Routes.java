package io.meshgate.xds.envoy;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshgate.xds.ir.HeaderMatchIr;
import io.meshgate.xds.ir.HeaderOpsIr;
import io.meshgate.xds.ir.HeaderValueIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RetryIr;
import io.meshgate.xds.ir.RouteActionIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RouteTableIr;
import io.meshgate.xds.ir.StringMatchIr;
import io.meshgate.xds.ir.VirtualHostIr;
import io.meshgate.xds.ir.WeightedClusterIr;
import java.util.List;

/**
 * Route tables: virtual hosts, matches in precedence order, forwarding by weight, header
 * operations.
 */
final class Routes {
  private Routes() {}

  static RouteConfiguration of(RouteTableIr table, ProxyKind kind) {
    RouteConfiguration.Builder config = RouteConfiguration.newBuilder().setName(table.name());
    for (VirtualHostIr host : table.virtualHosts()) {
      VirtualHost.Builder vhost =
          VirtualHost.newBuilder().setName(host.name()).addAllDomains(host.domains());
      host.routes().forEach(r -> vhost.addRoutes(route(r, kind)));
      config.addVirtualHosts(vhost);
    }
    return config.build();
  }

  private static Route route(RouteIr route, ProxyKind kind) {
    Route.Builder builder = Route.newBuilder().setName(route.name()).setMatch(match(route, kind));
    if (route.action() instanceof RouteActionIr.Forward forward) {
      builder.setRoute(action(route, forward, kind));
    } else {
      RouteActionIr.DirectResponse direct = (RouteActionIr.DirectResponse) route.action();
      builder.setDirectResponse(DirectResponseAction.newBuilder().setStatus(direct.status()));
    }
    headerOps(builder, route.requestHeaders(), true);
    headerOps(builder, route.responseHeaders(), false);
    return builder.build();
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
    return action.build();
  }

  private static RetryPolicy retry(RetryIr retry) {
    RetryPolicy.Builder policy =
        RetryPolicy.newBuilder()
            .setRetryOn(String.join(",", retry.retryOn()))
            .setNumRetries(UInt32Value.of(retry.attempts()));
    policy.addAllRetriableStatusCodes(retry.statusCodes());
    if (retry.backoffMillis() != null) {
      policy.setRetryBackOff(
          RetryPolicy.RetryBackOff.newBuilder()
              .setBaseInterval(Durations.fromMillis(retry.backoffMillis()))
              .setMaxInterval(Durations.fromMillis(retry.backoffMillis() * 10)));
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
