package io.meshgate.xds.resolve;

import io.meshgate.config.model.BodyOperation;
import io.meshgate.config.model.BodyTransform;
import io.meshgate.config.model.HeaderModifier;
import io.meshgate.config.model.HttpHeader;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResponseCache;
import io.meshgate.config.model.Template;
import io.meshgate.config.model.TransformPolicySpec;
import io.meshgate.xds.ir.BodyTransformIr;
import io.meshgate.xds.ir.BodyTransformIr.BodyOperationIr;
import io.meshgate.xds.ir.CacheIr;
import io.meshgate.xds.ir.ExtProcIr;
import io.meshgate.xds.ir.HeaderTransformIr;
import io.meshgate.xds.ir.HeaderTransformIr.HeaderMutationIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.RouteIr;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.ir.TransformIr;
import io.meshgate.xds.ir.VirtualHostIr;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What TransformPolicies do to a route. Each of {@code headers}, {@code cache} and {@code body} is
 * taken whole from the most specific level (Gateway, listener, route, rule) whose policy sets it.
 *
 * <p>A value that names a JWT claim on a route without a JWT requirement cannot be filled: the
 * route fails closed (500), as for a SecurityPolicy that cannot be translated. A cache on a route
 * behind authentication is left off with a Problem: Envoy's cache keys on the URL, so a response
 * cached for one caller would be served to the next (docs/transform-policy.md).
 */
final class TransformPolicies {
  /** The cluster of meshgate's body service. */
  static final String EXT_PROC_CLUSTER = "meshgate/extproc";

  static final int DEFAULT_MAX_BYTES = 1024 * 1024;

  private TransformPolicies() {}

  /** Who a route lets in, as far as transformation cares. */
  enum Callers {
    /** No authentication. */
    ANYONE,
    /** Authenticated, with a JWT requirement whose verified claims values may name. */
    JWT,
    /** Authenticated by something other than a JWT (API key, basic auth, OIDC, ext_authz). */
    OTHER_CREDENTIALS
  }

  /** A route's transformation, and whether the route must answer 500 instead. */
  record Outcome(TransformIr transform, boolean broken) {
    static final Outcome NONE = new Outcome(null, false);
  }

  /**
   * @param levels the route's TransformPolicies, least specific first
   * @param routeName the route's name, for Problems
   */
  static Outcome of(
      Context context, List<Resource> levels, Callers callers, ProxyKind kind, String routeName) {
    if (levels.isEmpty()) {
      return Outcome.NONE;
    }
    if (kind == ProxyKind.PROXYLESS) {
      for (Resource policy : levels) {
        context.problem(
            policy,
            "/spec",
            ProblemReason.UNSUPPORTED_VALUE,
            "proxyless gRPC clients do not transform or cache; not applied to their calls");
      }
      return Outcome.NONE;
    }
    boolean[] broken = {false};
    Resource headersAt = mostSpecific(levels, TransformPolicySpec::headers);
    HeaderTransformIr headers =
        headersAt == null ? null : headers(context, headersAt, callers, routeName, broken);
    Resource cacheAt = mostSpecific(levels, TransformPolicySpec::cache);
    CacheIr cache = cacheAt == null ? null : cache(context, cacheAt, callers, routeName);
    Resource bodyAt = mostSpecific(levels, TransformPolicySpec::body);
    BodyTransformIr body =
        bodyAt == null ? null : body(context, bodyAt, callers, routeName, broken);
    if (broken[0]) {
      return new Outcome(null, true);
    }
    if (cache != null && body != null) {
      // Envoy's cache sends a cacheable request on through the router's upstream filters only, past
      // the filters after it in the chain: the body service would never see what gets cached.
      context.problem(
          cacheAt,
          "/spec/cache",
          ProblemReason.INVALID,
          "route "
              + routeName
              + " transforms bodies, and Envoy's cache would store and serve responses the"
              + " transformation never saw; not cached there");
      cache = null;
    }
    return new Outcome(TransformIr.orNull(headers, cache, body), false);
  }

  private static Resource mostSpecific(
      List<Resource> levels, Function<TransformPolicySpec, Object> field) {
    Resource found = null;
    for (Resource level : levels) {
      if (field.apply(level.spec(TransformPolicySpec.class)) != null) {
        found = level;
      }
    }
    return found;
  }

  private static HeaderTransformIr headers(
      Context context, Resource policy, Callers callers, String routeName, boolean[] broken) {
    var spec = policy.spec(TransformPolicySpec.class).headers();
    List<HeaderMutationIr> request =
        mutations(context, policy, spec.request(), "/spec/headers/request", callers, routeName);
    List<HeaderMutationIr> response =
        mutations(context, policy, spec.response(), "/spec/headers/response", callers, routeName);
    if (request == null || response == null) {
      broken[0] = true;
      return null;
    }
    return new HeaderTransformIr(request, response, Context.source(policy));
  }

  /** Null when a value cannot be filled on this route (a Problem says why). */
  private static List<HeaderMutationIr> mutations(
      Context context,
      Resource policy,
      HeaderModifier modifier,
      String at,
      Callers callers,
      String routeName) {
    List<HeaderMutationIr> mutations = new ArrayList<>();
    if (modifier == null) {
      return mutations;
    }
    boolean fillable = true;
    fillable &=
        values(
            context,
            policy,
            modifier.set(),
            at + "/set/",
            HeaderTransformIr.Op.SET,
            callers,
            routeName,
            mutations);
    fillable &=
        values(
            context,
            policy,
            modifier.add(),
            at + "/add/",
            HeaderTransformIr.Op.ADD,
            callers,
            routeName,
            mutations);
    for (String name : modifier.remove()) {
      mutations.add(
          new HeaderMutationIr(HeaderTransformIr.Op.REMOVE, name.toLowerCase(Locale.ROOT), null));
    }
    return fillable ? mutations : null;
  }

  private static boolean values(
      Context context,
      Resource policy,
      List<HttpHeader> headers,
      String at,
      HeaderTransformIr.Op op,
      Callers callers,
      String routeName,
      List<HeaderMutationIr> into) {
    boolean fillable = true;
    for (int i = 0; i < headers.size(); i++) {
      HttpHeader header = headers.get(i);
      if (!fillable(context, policy, header.value(), at + i + "/value", callers, routeName)) {
        fillable = false;
        continue;
      }
      into.add(new HeaderMutationIr(op, header.name().toLowerCase(Locale.ROOT), header.value()));
    }
    return fillable;
  }

  /** Whether a template can be filled on the route; a Problem when it cannot. */
  private static boolean fillable(
      Context context,
      Resource policy,
      String value,
      String at,
      Callers callers,
      String routeName) {
    Template template;
    try {
      template = Template.parse(value);
    } catch (IllegalArgumentException e) {
      // The validator refuses these; a resource that skipped it still fails closed.
      context.problem(policy, at, ProblemReason.INVALID, "not a template: " + e.getMessage());
      return false;
    }
    if (template.usesClaims() && callers != Callers.JWT) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          "names a JWT claim, but route "
              + routeName
              + " has no JWT requirement (a SecurityPolicy's jwt); the route answers 500 until it"
              + " has one");
      return false;
    }
    return true;
  }

  private static CacheIr cache(
      Context context, Resource policy, Callers callers, String routeName) {
    if (callers != Callers.ANYONE) {
      context.problem(
          policy,
          "/spec/cache",
          ProblemReason.INVALID,
          "route "
              + routeName
              + " is behind authentication: a cached response would be served to other callers;"
              + " not cached there");
      return null;
    }
    ResponseCache cache = policy.spec(TransformPolicySpec.class).cache();
    return new CacheIr(
        "meshgate.cache/" + policy.metadata().namespace() + "/" + policy.metadata().name(),
        cache.varyHeaders().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList(),
        cache.maxBodyBytes() == null ? DEFAULT_MAX_BYTES : cache.maxBodyBytes(),
        Context.source(policy));
  }

  private static BodyTransformIr body(
      Context context, Resource policy, Callers callers, String routeName, boolean[] broken) {
    BodyTransform body = policy.spec(TransformPolicySpec.class).body();
    List<BodyOperationIr> request =
        operations(context, policy, body.request(), "/spec/body/request/", callers, routeName);
    List<BodyOperationIr> response =
        operations(context, policy, body.response(), "/spec/body/response/", callers, routeName);
    if (request == null || response == null) {
      broken[0] = true;
      return null;
    }
    boolean claims =
        Stream.concat(request.stream(), response.stream())
            .anyMatch(op -> op.value() != null && Template.parse(op.value()).usesClaims());
    return new BodyTransformIr(
        policy.metadata().namespace() + "/" + policy.metadata().name(),
        request,
        response,
        body.maxBytes() == null ? DEFAULT_MAX_BYTES : body.maxBytes(),
        claims,
        Context.source(policy));
  }

  private static List<BodyOperationIr> operations(
      Context context,
      Resource policy,
      List<BodyOperation> operations,
      String at,
      Callers callers,
      String routeName) {
    List<BodyOperationIr> ops = new ArrayList<>();
    boolean fillable = true;
    for (int i = 0; i < operations.size(); i++) {
      BodyOperation op = operations.get(i);
      if (op.value() != null
          && !fillable(context, policy, op.value(), at + i + "/value", callers, routeName)) {
        fillable = false;
        continue;
      }
      ops.add(
          new BodyOperationIr(
              BodyTransformIr.Op.valueOf(op.type().name()), op.path(), op.from(), op.value()));
    }
    return fillable ? ops : null;
  }

  /** The response caches a route table's routes use, sorted by filter name. */
  static List<CacheIr> caches(List<VirtualHostIr> hosts) {
    Map<String, CacheIr> caches = new TreeMap<>();
    for (TransformIr transform : transforms(hosts)) {
      if (transform.cache() != null) {
        caches.put(transform.cache().name(), transform.cache());
      }
    }
    return List.copyOf(caches.values());
  }

  /** The body service, when a route of the table transforms bodies; else null. */
  static ExtProcIr extProc(List<VirtualHostIr> hosts, EdgeServices.Address service) {
    return transforms(hosts).stream().anyMatch(t -> t.body() != null)
        ? new ExtProcIr(EXT_PROC_CLUSTER, service.host(), service.port())
        : null;
  }

  /** The TransformPolicies a route table's routes take parts from, for the port's sources. */
  static List<SourceRef> sources(List<VirtualHostIr> hosts) {
    List<SourceRef> sources = new ArrayList<>();
    for (TransformIr transform : transforms(hosts)) {
      if (transform.headers() != null) {
        sources.add(transform.headers().source());
      }
      if (transform.cache() != null) {
        sources.add(transform.cache().source());
      }
      if (transform.body() != null) {
        sources.add(transform.body().source());
      }
    }
    return sources;
  }

  private static List<TransformIr> transforms(List<VirtualHostIr> hosts) {
    List<TransformIr> transforms = new ArrayList<>();
    for (VirtualHostIr host : hosts) {
      for (RouteIr route : host.routes()) {
        if (route.policy() != null && route.policy().transform() != null) {
          transforms.add(route.policy().transform());
        }
      }
    }
    return transforms;
  }
}
