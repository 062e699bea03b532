package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendRef;
import io.meshgate.config.model.Durations;
import io.meshgate.config.model.GrpcMethodMatch;
import io.meshgate.config.model.GrpcRouteMatch;
import io.meshgate.config.model.GrpcRouteRule;
import io.meshgate.config.model.GrpcRouteSpec;
import io.meshgate.config.model.HeaderModifier;
import io.meshgate.config.model.HttpPathMatch;
import io.meshgate.config.model.HttpRouteMatch;
import io.meshgate.config.model.HttpRouteRule;
import io.meshgate.config.model.HttpRouteSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.PathModifier;
import io.meshgate.config.model.PolicyTimeouts;
import io.meshgate.config.model.RequestMirror;
import io.meshgate.config.model.RequestRedirect;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.RetryPolicy;
import io.meshgate.config.model.RouteFilter;
import io.meshgate.config.model.RouteFilterType;
import io.meshgate.config.model.StringMatchType;
import io.meshgate.config.model.TrafficPolicySpec;
import io.meshgate.config.model.UrlRewrite;
import io.meshgate.config.model.ValueMatch;
import io.meshgate.config.schema.Wire;
import io.meshgate.xds.ir.ApiKeyAuthIr;
import io.meshgate.xds.ir.AuthorizationIr;
import io.meshgate.xds.ir.BasicAuthIr;
import io.meshgate.xds.ir.CorsIr;
import io.meshgate.xds.ir.ExtAuthRouteIr;
import io.meshgate.xds.ir.FaultIr;
import io.meshgate.xds.ir.GlobalRateLimitIr;
import io.meshgate.xds.ir.HashOnIr;
import io.meshgate.xds.ir.HeaderMatchIr;
import io.meshgate.xds.ir.HeaderOpsIr;
import io.meshgate.xds.ir.HeaderValueIr;
import io.meshgate.xds.ir.HmacIr;
import io.meshgate.xds.ir.IpAccessIr;
import io.meshgate.xds.ir.JwtRequirementIr;
import io.meshgate.xds.ir.LocalRateLimitIr;
import io.meshgate.xds.ir.MirrorIr;
import io.meshgate.xds.ir.PathMatchIr;
import io.meshgate.xds.ir.PathRewriteIr;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RateLimitRuleIr;
import io.meshgate.xds.ir.RateLimitSelectorIr;
import io.meshgate.xds.ir.RetryIr;
import io.meshgate.xds.ir.RouteActionIr;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.RouteMatchIr;
import io.meshgate.xds.ir.RoutePolicyIr;
import io.meshgate.xds.ir.RouteSecurityIr;
import io.meshgate.xds.ir.StringMatchIr;
import io.meshgate.xds.ir.WafRouteIr;
import io.meshgate.xds.ir.WeightedClusterIr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * HTTPRoute and GRPCRoute rules to routes: one route per match (a rule without matches matches the
 * prefix /), all sharing the rule's action. A rule whose backends all fail to resolve, or that uses
 * a filter not translated yet, answers 500: failing closed beats routing somewhere unintended.
 */
final class RouteRules {
  /** How proxyless gRPC clients name the HTTP statuses a retry may name (gRPC's retry_on). */
  private static final Map<Integer, String> GRPC_RETRY_ON =
      Map.of(
          500, "internal", 503, "unavailable", 504, "deadline-exceeded", 429, "resource-exhausted");

  /**
   * The listener argument of a sidecar's route resolution: a level of policy only with a Gateway,
   * so one name stands for every sidecar listener.
   */
  private static final String SIDECAR_LISTENERS = "sidecars";

  private final Context context;
  private final Clusters clusters;
  private final ProxyKind kind;
  // The backendRefs a route being recorded resolves; null when none is.
  private @Nullable List<ClusterCall> clusterCalls;

  RouteRules(Context context, Clusters clusters, ProxyKind kind) {
    this.context = context;
    this.clusters = clusters;
    this.kind = kind;
  }

  /**
   * The routes of an HTTPRoute's rules.
   *
   * @param gateway the Gateway whose listener they attach to; null for proxyless clients
   * @param listener that listener's name
   */
  List<Candidate> http(Resource route, Resource gateway, String listener) {
    return onGateway("http", route, gateway, listener, () -> computeHttp(route, gateway, listener));
  }

  /** The routes of a GRPCRoute's rules; {@code gateway} and {@code listener} as for HTTP. */
  List<Candidate> grpc(Resource route, Resource gateway, String listener) {
    return onGateway("grpc", route, gateway, listener, () -> computeGrpc(route, gateway, listener));
  }

  /**
   * The routes of a mesh-style HTTPRoute or GRPCRoute (one attached to a Backend) on a sidecar's
   * outbound listener to that Backend. No Gateway is in the path: no policy attached to a Gateway
   * or its listeners applies, and no SecurityPolicy (a sidecar is the caller's own proxy, not a
   * gateway in front of a service); TrafficPolicies and TransformPolicies on the route do.
   *
   * <p>Nothing in them depends on the sidecar or its listener (no Gateway, no listener level of
   * policy; a Backend's cluster has the same name in every group), so a route is resolved once per
   * build for all the sidecars that call its Backend, and each sidecar replays only its side
   * effects (see {@link #unit}): in a mesh, one route serves hundreds of sidecars.
   */
  List<Candidate> sidecar(Resource route) {
    // Kept at the root, where every sidecar finds it; the clusters stay the sidecar's own.
    return context.atRoot(
        () ->
            route.kind() == Kind.HTTP_ROUTE
                ? unit(
                    new MeshRoutesKept("http", route.key()),
                    new RouteInput(route, null, context.environment()),
                    () -> computeHttp(route, null, SIDECAR_LISTENERS))
                : unit(
                    new MeshRoutesKept("grpc", route.key()),
                    new RouteInput(route, null, context.environment()),
                    () -> computeGrpc(route, null, SIDECAR_LISTENERS)));
  }

  /** A route's routes on one listener of a Gateway; proxyless routes are always resolved. */
  private List<Candidate> onGateway(
      String form,
      Resource route,
      @Nullable Resource gateway,
      String listener,
      Supplier<List<Candidate>> compute) {
    if (kind == ProxyKind.PROXYLESS || gateway == null) {
      // Whether a Backend is a mesh target depends on every route.
      return compute.get();
    }
    return unit(
        new KeptRoutes(form, gateway.key(), listener, route.key()),
        new RouteInput(route, gateway, context.environment()),
        compute);
  }

  /**
   * A route's routes, as the last build (or this one, for another group) resolved them from an
   * equal input — the route, its Gateway if any, and everything else they may read ({@link
   * ResolveCache#environment}) unchanged: then only its side effects are done again, in this group
   * — its backendRefs are resolved to this group's clusters in the same order (so each cluster and
   * its Problems come out as a full resolution gives them) and its own Problems are raised again.
   * Resolving those backendRefs again is also how a sidecar's group notes the Backends the route
   * reads: a route reads Backends only through them.
   */
  private List<Candidate> unit(Object key, RouteInput input, Supplier<List<Candidate>> compute) {
    boolean[] computed = {false};
    ResolvedRoute resolved =
        context.cache.get(
            key,
            input,
            in -> {
              computed[0] = true;
              return record(compute);
            });
    if (!computed[0]) {
      for (ClusterCall call : resolved.clusterCalls()) {
        context.notRecording(() -> replay(input.route(), call));
      }
      resolved.problems().forEach(context::raise);
    }
    return resolved.candidates();
  }

  private ResolvedRoute record(Supplier<List<Candidate>> compute) {
    List<Problem> problems = new ArrayList<>();
    List<ClusterCall> calls = new ArrayList<>();
    List<ClusterCall> outer = clusterCalls;
    clusterCalls = calls;
    try {
      List<Candidate> candidates = context.recording(problems, compute);
      return new ResolvedRoute(candidates, problems, calls);
    } finally {
      clusterCalls = outer;
    }
  }

  /** A backendRef resolved to a cluster, noted for a route being recorded. */
  private Optional<String> resolveCluster(Resource route, BackendRef ref, String path) {
    // The cluster's Problems belong to whichever route resolves it first: not recorded. Nor are
    // those of a backendRef that does not resolve: a replay raises them again (see replay).
    Optional<Resource> backend = context.notRecording(() -> clusters.backend(route, ref, path));
    if (backend.isEmpty()) {
      if (clusterCalls != null) {
        clusterCalls.add(new ClusterCall(ref, path, null, null));
      }
      return Optional.empty();
    }
    String name = Names.cluster(backend.get().key(), ref.port());
    if (clusterCalls != null) {
      clusterCalls.add(new ClusterCall(ref, path, backend.get(), name));
    }
    return Optional.of(
        context.notRecording(() -> clusters.cluster(name, backend.get(), ref.port(), route, path)));
  }

  /**
   * A reused route's backendRef resolved again to this group's cluster. Its Backend is the one the
   * route's resolution found: the route's input holds every Backend and ReferenceGrant by reference
   * ({@link ResolveCache#environment}), so looking it up again would find the same. It is noted as
   * read, as a lookup notes it. A backendRef that did not resolve is resolved again, for its
   * Problem.
   */
  private Optional<String> replay(Resource route, ClusterCall call) {
    if (call.backend() == null) {
      return clusters.resolve(route, call.ref(), call.path());
    }
    context.noteBackend(call.backend().key());
    return Optional.of(
        clusters.cluster(call.cluster(), call.backend(), call.ref().port(), route, call.path()));
  }

  /**
   * A route's routes in the resolve cache: the form, where they attach (a Gateway's or a Sidecar's
   * listener), and the route.
   */
  private record KeptRoutes(String form, ResourceKey parent, String listener, ResourceKey route) {}

  /** A mesh-style route's routes in the resolve cache, one entry for every sidecar. */
  private record MeshRoutesKept(String form, ResourceKey route) {}

  /** What a route's routes are resolved from; no Gateway for sidecars. */
  private record RouteInput(Resource route, @Nullable Resource gateway, Object environment) {}

  /**
   * A backendRef the route resolved, where in the route it is, the Backend it found and its
   * cluster's name (both null: it did not resolve).
   */
  private record ClusterCall(
      BackendRef ref, String path, @Nullable Resource backend, @Nullable String cluster) {}

  /** A route's routes, the Problems it raised itself, and the backendRefs it resolved. */
  private record ResolvedRoute(
      List<Candidate> candidates, List<Problem> problems, List<ClusterCall> clusterCalls) {}

  private List<Candidate> computeHttp(Resource route, Resource gateway, String listener) {
    HttpRouteSpec spec = route.spec(HttpRouteSpec.class);
    List<Candidate> candidates = new ArrayList<>();
    for (int r = 0; r < spec.rules().size(); r++) {
      HttpRouteRule rule = spec.rules().get(r);
      String at = "/spec/rules/" + r;
      Policies.Chain chain = context.policies().chain(gateway, listener, route, rule.name());
      Security security = security(gateway, listener, route, rule.name());
      TransformPolicies.Outcome transform =
          transform(gateway, listener, route, rule.name(), r, security);
      RouteActionIr action =
          secured(action(route, rule.backendRefs(), rule.filters(), at), security, transform);
      HeaderOpsIr request = headerOps(rule.filters(), RouteFilterType.REQUEST_HEADER_MODIFIER);
      HeaderOpsIr response = headerOps(rule.filters(), RouteFilterType.RESPONSE_HEADER_MODIFIER);
      // The route's own Gateway API fields are the most specific of all.
      Long timeout =
          rule.timeouts() == null || rule.timeouts().request() == null
              ? policyTimeout(chain, PolicyTimeouts::request)
              : Long.valueOf(millis(rule.timeouts().request()));
      Long perTry =
          rule.timeouts() == null || rule.timeouts().backendRequest() == null
              ? null
              : millis(rule.timeouts().backendRequest());
      RetryIr retry = rule.retry() != null ? retry(rule, perTry) : retry(chain, perTry);
      RoutePolicyIr policy = policy(route, chain, security, at, transform);
      List<HttpRouteMatch> matches =
          rule.matches().isEmpty()
              ? List.of(new HttpRouteMatch(null, null, null, null))
              : rule.matches();
      for (int m = 0; m < matches.size(); m++) {
        HttpRouteMatch match = matches.get(m);
        PathMatchIr path =
            match.path() == null ? new PathMatchIr.Prefix("/") : pathMatch(match.path());
        List<HeaderMatchIr> headers = new ArrayList<>(values(match.headers(), true));
        if (match.method() != null) {
          headers.add(new HeaderMatchIr(":method", new StringMatchIr.Exact(match.method().name())));
        }
        RouteMatchIr routeMatch =
            new RouteMatchIr(path, headers, values(match.queryParams(), false));
        RouteIr ir =
            kept(
                gateway,
                listener,
                new RouteIr(
                    Names.route(route.key(), r, m),
                    routeMatch,
                    action,
                    request,
                    response,
                    timeout,
                    retry,
                    policy,
                    Context.source(route)));
        candidates.add(
            new Candidate(
                ir,
                route.key(),
                route.metadata().creationTimestamp(),
                r,
                m,
                match.method() != null));
      }
    }
    return candidates;
  }

  private List<Candidate> computeGrpc(Resource route, Resource gateway, String listener) {
    GrpcRouteSpec spec = route.spec(GrpcRouteSpec.class);
    List<Candidate> candidates = new ArrayList<>();
    for (int r = 0; r < spec.rules().size(); r++) {
      GrpcRouteRule rule = spec.rules().get(r);
      String at = "/spec/rules/" + r;
      Policies.Chain chain = context.policies().chain(gateway, listener, route, rule.name());
      Long timeout = policyTimeout(chain, PolicyTimeouts::request);
      RetryIr retry = retry(chain, null);
      Security security = security(gateway, listener, route, rule.name());
      TransformPolicies.Outcome transform =
          transform(gateway, listener, route, rule.name(), r, security);
      RoutePolicyIr policy = policy(route, chain, security, at, transform);
      RouteActionIr action =
          secured(action(route, rule.backendRefs(), rule.filters(), at), security, transform);
      HeaderOpsIr request = headerOps(rule.filters(), RouteFilterType.REQUEST_HEADER_MODIFIER);
      HeaderOpsIr response = headerOps(rule.filters(), RouteFilterType.RESPONSE_HEADER_MODIFIER);
      List<GrpcRouteMatch> matches =
          rule.matches().isEmpty() ? List.of(new GrpcRouteMatch(null, null)) : rule.matches();
      for (int m = 0; m < matches.size(); m++) {
        GrpcRouteMatch match = matches.get(m);
        RouteMatchIr routeMatch =
            new RouteMatchIr(grpcPath(match.method()), values(match.headers(), true), List.of());
        RouteIr ir =
            kept(
                gateway,
                listener,
                new RouteIr(
                    Names.route(route.key(), r, m),
                    routeMatch,
                    action,
                    request,
                    response,
                    timeout,
                    retry,
                    policy,
                    Context.source(route)));
        candidates.add(
            new Candidate(ir, route.key(), route.metadata().creationTimestamp(), r, m, false));
      }
    }
    return candidates;
  }

  /**
   * The route as the last build had it when it is equal (the same instance, so what follows resolve
   * finds it by reference), else this one.
   */
  private RouteIr kept(@Nullable Resource gateway, String listener, RouteIr route) {
    return context.cache.get(
        new KeptRoute(kind, gateway == null ? null : gateway.key(), listener, route.name()),
        route,
        r -> r);
  }

  /** A route in the resolve cache: where it attaches and its name. */
  private record KeptRoute(
      ProxyKind kind, @Nullable ResourceKey gateway, String listener, String name) {}

  /** gRPC calls are POSTs to {@code /package.Service/Method}. */
  static PathMatchIr pathMatch(HttpPathMatch path) {
    return switch (path.type()) {
      case EXACT -> new PathMatchIr.Exact(path.value());
      case PATH_PREFIX -> new PathMatchIr.Prefix(path.value());
      case REGULAR_EXPRESSION -> new PathMatchIr.Regex(path.value());
    };
  }

  private static PathMatchIr grpcPath(GrpcMethodMatch method) {
    if (method == null) {
      return new PathMatchIr.Prefix("/");
    }
    if (method.type() == StringMatchType.REGULAR_EXPRESSION) {
      return new PathMatchIr.Regex(
          "/"
              + (method.service() == null ? "[^/]+" : method.service())
              + "/"
              + (method.method() == null ? "[^/]+" : method.method()));
    }
    if (method.service() != null && method.method() != null) {
      return new PathMatchIr.Exact("/" + method.service() + "/" + method.method());
    }
    if (method.service() != null) {
      return new PathMatchIr.Prefix("/" + method.service() + "/");
    }
    // Method names are identifiers (the validator checks), so they need no escaping.
    return new PathMatchIr.Regex("/[^/]+/" + method.method());
  }

  /**
   * Envoy answers a failing route itself (500); a proxyless gRPC client cannot be told to (it
   * rejects the whole route table), so its calls go to a cluster without endpoints and fail with
   * UNAVAILABLE: closed either way.
   */
  private RouteActionIr action(
      Resource route, List<BackendRef> refs, List<RouteFilter> filters, String at) {
    RouteActionIr action = decide(route, refs, filters, at);
    if (kind == ProxyKind.PROXYLESS && action instanceof RouteActionIr.DirectResponse) {
      return unavailable();
    }
    return action;
  }

  private RouteActionIr unavailable() {
    return new RouteActionIr.Forward(List.of(new WeightedClusterIr(clusters.unavailable(), 1)));
  }

  private RouteActionIr decide(
      Resource route, List<BackendRef> refs, List<RouteFilter> filters, String at) {
    UrlRewrite rewrite = null;
    List<MirrorIr> mirrors = new ArrayList<>();
    for (int f = 0; f < filters.size(); f++) {
      RouteFilter filter = filters.get(f);
      switch (filter.type()) {
        case REQUEST_HEADER_MODIFIER, RESPONSE_HEADER_MODIFIER -> {}
        case REQUEST_MIRROR ->
            mirror(route, filter.requestMirror(), at + "/filters/" + f).ifPresent(mirrors::add);
        case REQUEST_REDIRECT, URL_REWRITE -> {
          if (kind == ProxyKind.PROXYLESS) {
            // gRPC's xDS client neither redirects nor rewrites: failing beats calling the wrong
            // method.
            context.problem(
                route,
                at + "/filters/" + f,
                ProblemReason.UNSUPPORTED_VALUE,
                "proxyless gRPC clients cannot apply "
                    + Wire.name(filter.type())
                    + "; their calls on this rule fail with UNAVAILABLE");
            return unavailable();
          }
          if (filter.type() == RouteFilterType.REQUEST_REDIRECT) {
            RequestRedirect redirect = filter.requestRedirect();
            return new RouteActionIr.Redirect(
                redirect.scheme(),
                redirect.hostname(),
                redirect.port(),
                pathRewrite(redirect.path()),
                redirect.statusCode());
          }
          rewrite = filter.urlRewrite();
        }
        default -> {
          context.problem(
              route,
              at + "/filters/" + f,
              ProblemReason.UNSUPPORTED_VALUE,
              "filter "
                  + Wire.name(filter.type())
                  + " is not translated yet; the rule answers 500 until it is");
          return new RouteActionIr.DirectResponse(500, "");
        }
      }
    }
    // Weights by cluster: two refs may end on the same cluster (e.g. both closed for gRPC).
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (int b = 0; b < refs.size(); b++) {
      BackendRef ref = refs.get(b);
      Optional<String> cluster = resolveCluster(route, ref, at + "/backendRefs/" + b);
      if (cluster.isPresent() && ref.weight() > 0) {
        weights.merge(clusters.usable(cluster.get()), ref.weight(), Integer::sum);
      }
    }
    List<WeightedClusterIr> weighted = new ArrayList<>();
    weights.forEach((cluster, weight) -> weighted.add(new WeightedClusterIr(cluster, weight)));
    if (weighted.isEmpty()) {
      if (refs.isEmpty()) {
        context.problem(
            route, at, ProblemReason.INVALID, "the rule has no backendRefs; it answers 500");
      }
      return new RouteActionIr.DirectResponse(500, "");
    }
    HashOnIr hashOn = clusters.hashOn(weighted.get(0).cluster());
    return rewrite == null
        ? new RouteActionIr.Forward(weighted, null, null, mirrors, hashOn)
        : new RouteActionIr.Forward(
            weighted, rewrite.hostname(), pathRewrite(rewrite.path()), mirrors, hashOn);
  }

  /**
   * A mirror whose backend resolves; otherwise the rule forwards without it and the problem says
   * why. Proxyless gRPC clients do not mirror, so they get none.
   */
  private Optional<MirrorIr> mirror(Resource route, RequestMirror mirror, String at) {
    if (kind == ProxyKind.PROXYLESS) {
      context.problem(
          route,
          at,
          ProblemReason.UNSUPPORTED_VALUE,
          "proxyless gRPC clients do not mirror requests; they forward without the shadow copy");
      return Optional.empty();
    }
    int numerator = 100;
    int denominator = 100;
    if (mirror.percent() != null) {
      numerator = mirror.percent();
    } else if (mirror.fraction() != null) {
      numerator = mirror.fraction().numerator();
      denominator = mirror.fraction().denominator();
    }
    int n = numerator;
    int d = denominator;
    return resolveCluster(route, mirror.backendRef(), at + "/requestMirror/backendRef")
        .map(cluster -> new MirrorIr(cluster, n, d));
  }

  private static PathRewriteIr pathRewrite(PathModifier path) {
    if (path == null) {
      return null;
    }
    return switch (path.type()) {
      case REPLACE_FULL_PATH -> new PathRewriteIr.Full(path.replaceFullPath());
      case REPLACE_PREFIX_MATCH -> new PathRewriteIr.Prefix(path.replacePrefixMatch());
    };
  }

  private static HeaderOpsIr headerOps(List<RouteFilter> filters, RouteFilterType type) {
    List<HeaderValueIr> set = new ArrayList<>();
    List<HeaderValueIr> add = new ArrayList<>();
    List<String> remove = new ArrayList<>();
    for (RouteFilter filter : filters) {
      if (filter.type() != type) {
        continue;
      }
      HeaderModifier modifier =
          type == RouteFilterType.REQUEST_HEADER_MODIFIER
              ? filter.requestHeaderModifier()
              : filter.responseHeaderModifier();
      modifier
          .set()
          .forEach(h -> set.add(new HeaderValueIr(h.name().toLowerCase(Locale.ROOT), h.value())));
      modifier
          .add()
          .forEach(h -> add.add(new HeaderValueIr(h.name().toLowerCase(Locale.ROOT), h.value())));
      modifier.remove().forEach(h -> remove.add(h.toLowerCase(Locale.ROOT)));
    }
    return new HeaderOpsIr(set, add, remove);
  }

  private static List<HeaderMatchIr> values(List<ValueMatch> matches, boolean lowercaseNames) {
    return matches.stream()
        .map(
            m ->
                new HeaderMatchIr(
                    lowercaseNames ? m.name().toLowerCase(Locale.ROOT) : m.name(),
                    m.type() == StringMatchType.EXACT
                        ? new StringMatchIr.Exact(m.value())
                        : new StringMatchIr.Regex(m.value())))
        .toList();
  }

  private RetryIr retry(HttpRouteRule rule, Long perTryMillis) {
    if (rule.retry() == null) {
      return null;
    }
    int attempts = rule.retry().attempts() == null ? 1 : rule.retry().attempts();
    Long backoff = rule.retry().backoff() == null ? null : millis(rule.retry().backoff());
    if (kind == ProxyKind.PROXYLESS) {
      // gRPC retries on status names, not HTTP codes; map the HTTP codes that have a gRPC twin.
      List<String> on =
          rule.retry().codes().stream()
              .map(GRPC_RETRY_ON::get)
              .filter(Objects::nonNull)
              .distinct()
              .sorted()
              .toList();
      return new RetryIr(
          attempts,
          on.isEmpty() ? List.of("unavailable") : on,
          List.of(),
          backoff,
          null,
          perTryMillis);
    }
    List<Integer> codes = rule.retry().codes();
    return new RetryIr(
        attempts,
        codes.isEmpty() ? List.of("5xx") : List.of("retriable-status-codes"),
        codes,
        backoff,
        null,
        perTryMillis);
  }

  /** Retries from the most specific TrafficPolicy that sets them; null when none does. */
  private RetryIr retry(Policies.Chain chain, Long perTryMillis) {
    RetryPolicy retry = chain.mostSpecific(TrafficPolicySpec::retry);
    if (retry == null) {
      return null;
    }
    int attempts = retry.attempts() == null ? 1 : retry.attempts();
    Long perTry = perTryMillis != null ? perTryMillis : millisOrNull(retry.perTryTimeout());
    Long base = retry.backoff() == null ? null : millisOrNull(retry.backoff().baseInterval());
    Long max = retry.backoff() == null ? null : millisOrNull(retry.backoff().maxInterval());
    List<String> on = new ArrayList<>(retry.retryOn());
    if (!retry.retriableStatusCodes().isEmpty() && !on.contains("retriable-status-codes")) {
      on.add("retriable-status-codes");
    }
    if (kind == ProxyKind.PROXYLESS) {
      // gRPC retries on status names only; HTTP codes with a gRPC twin are mapped.
      List<String> grpc = new ArrayList<>();
      on.stream().filter(GRPC_RETRY_ON::containsValue).forEach(grpc::add);
      retry.retriableStatusCodes().stream()
          .map(GRPC_RETRY_ON::get)
          .filter(Objects::nonNull)
          .forEach(grpc::add);
      List<String> sorted = grpc.stream().distinct().sorted().toList();
      return new RetryIr(
          attempts,
          sorted.isEmpty() ? List.of("unavailable") : sorted,
          List.of(),
          base,
          max,
          perTry);
    }
    if (on.isEmpty()) {
      on.add("5xx");
    }
    return new RetryIr(attempts, on, retry.retriableStatusCodes(), base, max, perTry);
  }

  private static Long policyTimeout(Policies.Chain chain, Function<PolicyTimeouts, String> field) {
    String value = chain.mostSpecific(p -> p.timeout() == null ? null : field.apply(p.timeout()));
    return millisOrNull(value);
  }

  /**
   * What SecurityPolicies ask of a rule's routes, each field from the most specific policy that
   * sets it; null fields are unset.
   */
  private record Security(
      JwtPolicies.Jwt jwt,
      CorsIr cors,
      IpAccessPolicies.Ip ip,
      CredentialPolicies.ApiKeys apiKeys,
      CredentialPolicies.Basic basic,
      ExtAuthPolicies.Ext ext,
      OidcPolicies.Oidc oidc,
      AuthorizationPolicies.Authz authorization,
      WafPolicies.Inspection waf,
      SignaturePolicies.Hmac hmac) {
    static final Security NONE =
        new Security(null, null, null, null, null, null, null, null, null, null);

    boolean broken() {
      return jwt instanceof JwtPolicies.Jwt.Broken
          || ip instanceof IpAccessPolicies.Ip.Broken
          || apiKeys instanceof CredentialPolicies.ApiKeys.Broken
          || basic instanceof CredentialPolicies.Basic.Broken
          || ext instanceof ExtAuthPolicies.Ext.Broken
          || oidc instanceof OidcPolicies.Oidc.Broken
          || authorization instanceof AuthorizationPolicies.Authz.Broken
          || waf instanceof WafPolicies.Inspection.Broken
          || hmac instanceof SignaturePolicies.Hmac.Broken;
    }

    /** What the route's Envoy does about the WAF; null: nothing is asked. */
    WafRouteIr wafRoute() {
      if (waf instanceof WafPolicies.Inspection.Inspected inspected) {
        return new WafRouteIr.Inspect(inspected.waf().name(), inspected.policy());
      }
      if (waf instanceof WafPolicies.Inspection.Off off) {
        return new WafRouteIr.Off(off.policy());
      }
      return null;
    }

    /** What the route's Envoy does about external authorization; null: nothing is asked. */
    ExtAuthRouteIr extAuth() {
      if (ext instanceof ExtAuthPolicies.Ext.Checked checked) {
        return new ExtAuthRouteIr.Check(
            checked.service().name(),
            checked.service().policy(),
            checked.service().headersToUpstream());
      }
      if (ext instanceof ExtAuthPolicies.Ext.Off off) {
        return new ExtAuthRouteIr.Off(off.policy());
      }
      return null;
    }
  }

  /**
   * What SecurityPolicies ask of a rule's routes. Only Gateways' Envoys apply them: a proxyless
   * gRPC client or a sidecar is the caller's side, not a gateway in front of a service ({@code
   * gateway} is null for them). A sidecar is told so with a Problem on each policy that targets the
   * route or rule (its traffic by the route passes unchecked); proxyless clients never were.
   */
  private Security security(Resource gateway, String listener, Resource route, String ruleName) {
    if (gateway == null) {
      if (kind == ProxyKind.ENVOY) {
        for (Resource policy : context.policies().securityOf(route, ruleName)) {
          context.problem(
              policy,
              "/spec",
              ProblemReason.UNSUPPORTED_VALUE,
              "sidecars do not apply SecurityPolicies; not applied to what sidecars send by "
                  + route.kind().wireName()
                  + " "
                  + route.key().namespace()
                  + "/"
                  + route.key().name());
        }
      }
      return Security.NONE;
    }
    Policies policies = context.policies();
    JwtPolicies.Jwt jwt = policies.jwt(gateway, listener, route, ruleName).orElse(null);
    AuthorizationPolicies.Authz authorization =
        policies
            .authorization(gateway, listener, route, ruleName)
            .map(a -> AuthorizationPolicies.onRoute(context, a, jwt != null))
            .orElse(null);
    IpAccessPolicies.Ip ip = policies.ipAccess(gateway, listener, route, ruleName).orElse(null);
    // Behind trusted proxies the client is the address they wrote into X-Forwarded-For: the
    // listener's connection manager then sets use_remote_address and xff_num_trusted_hops.
    if (ip instanceof IpAccessPolicies.Ip.Restricted restricted
        && ClientAddresses.trustedHops(gateway, listener) != null) {
      ip =
          new IpAccessPolicies.Ip.Restricted(
              restricted.access().matching(IpAccessIr.ClientAddress.FORWARDED));
    }
    return new Security(
        jwt,
        policies.cors(gateway, listener, route, ruleName).orElse(null),
        ip,
        policies.apiKeys(gateway, listener, route, ruleName).orElse(null),
        policies.basicAuth(gateway, listener, route, ruleName).orElse(null),
        policies.extAuth(gateway, listener, route, ruleName).orElse(null),
        policies.oidc(gateway, listener, route, ruleName).orElse(null),
        authorization,
        policies.waf(gateway, listener, route, ruleName).orElse(null),
        policies.hmac(gateway, listener, route, ruleName).orElse(null));
  }

  /**
   * A route governed by a SecurityPolicy that cannot be translated answers 500: failing closed, as
   * for a backend that does not resolve. Left open, a typo in a key set's URL or a client block
   * would make a protected API public.
   */
  private static RouteActionIr secured(
      RouteActionIr action, Security security, TransformPolicies.Outcome transform) {
    return security.broken() || transform.broken()
        ? new RouteActionIr.DirectResponse(500, "")
        : action;
  }

  /** What TransformPolicies do to a rule's routes; the callers decide what values may name. */
  private TransformPolicies.Outcome transform(
      Resource gateway,
      String listener,
      Resource route,
      String ruleName,
      int rule,
      Security security) {
    if (security.broken()) {
      // The route answers 500 for its security: nothing to transform, no call to the body service.
      return TransformPolicies.Outcome.NONE;
    }
    TransformPolicies.Callers callers =
        security.jwt() instanceof JwtPolicies.Jwt.Required
            ? TransformPolicies.Callers.JWT
            : security.apiKeys() instanceof CredentialPolicies.ApiKeys.Checked
                    || security.basic() instanceof CredentialPolicies.Basic.Checked
                    || security.oidc() instanceof OidcPolicies.Oidc.Required
                    || security.ext() instanceof ExtAuthPolicies.Ext.Checked
                    || security.hmac() instanceof SignaturePolicies.Hmac.Checked
                ? TransformPolicies.Callers.OTHER_CREDENTIALS
                : TransformPolicies.Callers.ANYONE;
    return TransformPolicies.of(
        context,
        context.policies().transforms(gateway, listener, route, ruleName),
        callers,
        kind,
        route.kind().wireName()
            + " "
            + route.key().namespace()
            + "/"
            + route.key().name()
            + " rule "
            + rule);
  }

  /**
   * Idle timeout, the route's own bucket and faults, and what SecurityPolicies ask; null when no
   * policy sets any.
   */
  private RoutePolicyIr policy(
      Resource route,
      Policies.Chain chain,
      Security security,
      String at,
      TransformPolicies.Outcome transform) {
    Long idle = policyTimeout(chain, PolicyTimeouts::idle);
    LocalRateLimitIr rateLimit = chain.routeRateLimit();
    if (rateLimit != null && kind == ProxyKind.PROXYLESS) {
      context.problem(
          route,
          at,
          ProblemReason.UNSUPPORTED_VALUE,
          "proxyless gRPC clients do not rate-limit; the TrafficPolicy's rateLimit is not applied"
              + " to their calls");
      rateLimit = null;
    }
    FaultIr fault = chain.fault();
    JwtRequirementIr requirement =
        security.jwt() instanceof JwtPolicies.Jwt.Required required ? required.requirement() : null;
    IpAccessIr ipAccess =
        security.ip() instanceof IpAccessPolicies.Ip.Restricted restricted
            ? restricted.access()
            : null;
    // A route that answers 500 carries no credentials: none would ever be checked.
    ApiKeyAuthIr apiKeys =
        !security.broken() && security.apiKeys() instanceof CredentialPolicies.ApiKeys.Checked c
            ? c.auth()
            : null;
    BasicAuthIr basic =
        !security.broken() && security.basic() instanceof CredentialPolicies.Basic.Checked c
            ? c.auth()
            : null;
    String oauth2 =
        security.oidc() instanceof OidcPolicies.Oidc.Required login ? login.login().name() : null;
    AuthorizationIr authorization =
        security.authorization() instanceof AuthorizationPolicies.Authz.Enforced enforced
            ? enforced.authorization()
            : null;
    HmacIr hmac =
        security.hmac() instanceof SignaturePolicies.Hmac.Checked checked ? checked.hmac() : null;
    RouteSecurityIr routeSecurity =
        RouteSecurityIr.orNull(
            security.cors(),
            ipAccess,
            oauth2,
            apiKeys,
            basic,
            requirement,
            authorization,
            security.extAuth(),
            security.wafRoute(),
            hmac);
    GlobalRateLimitIr global = chain.globalRateLimit();
    if (global != null && kind == ProxyKind.PROXYLESS) {
      context.problem(
          route,
          at,
          ProblemReason.UNSUPPORTED_VALUE,
          "proxyless gRPC clients do not call a rate limit service; the TrafficPolicy's"
              + " rateLimit.global is not applied to their calls");
      global = null;
    }
    if (global != null && requirement == null) {
      for (RateLimitRuleIr rule : global.rules()) {
        rule.selectors().stream()
            .filter(RateLimitSelectorIr.Claim.class::isInstance)
            .findFirst()
            .ifPresent(
                claim ->
                    context.problem(
                        route,
                        at,
                        ProblemReason.INVALID,
                        "the global rate limit rule "
                            + rule.id()
                            + " counts by JWT claim '"
                            + ((RateLimitSelectorIr.Claim) claim).name()
                            + "', but this route asks for no JWT: its requests are not counted"
                            + " by that rule"));
      }
    }
    if (idle == null
        && rateLimit == null
        && fault == null
        && routeSecurity == null
        && global == null
        && transform.transform() == null) {
      return null;
    }
    return new RoutePolicyIr(idle, rateLimit, fault, routeSecurity, global, transform.transform());
  }

  private static Long millisOrNull(String duration) {
    return duration == null ? null : millis(duration);
  }

  /** Gateway API durations (validated upstream) in milliseconds. */
  static long millis(String duration) {
    return Durations.parse(duration).toMillis();
  }
}
