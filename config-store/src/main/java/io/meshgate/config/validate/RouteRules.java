package io.meshgate.config.validate;

import io.meshgate.config.model.BackendRef;
import io.meshgate.config.model.BackendRule;
import io.meshgate.config.model.GrpcMethodMatch;
import io.meshgate.config.model.GrpcRouteMatch;
import io.meshgate.config.model.GrpcRouteRule;
import io.meshgate.config.model.GrpcRouteSpec;
import io.meshgate.config.model.HeaderModifier;
import io.meshgate.config.model.HttpHeader;
import io.meshgate.config.model.HttpPathMatch;
import io.meshgate.config.model.HttpRouteMatch;
import io.meshgate.config.model.HttpRouteRule;
import io.meshgate.config.model.HttpRouteSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.ParentRef;
import io.meshgate.config.model.PathMatchType;
import io.meshgate.config.model.PathModifier;
import io.meshgate.config.model.PathModifierType;
import io.meshgate.config.model.RequestMirror;
import io.meshgate.config.model.RouteFilter;
import io.meshgate.config.model.RouteFilterType;
import io.meshgate.config.model.StringMatchType;
import io.meshgate.config.model.TcpRouteSpec;
import io.meshgate.config.model.TlsRouteSpec;
import io.meshgate.config.model.ValueMatch;
import io.meshgate.config.schema.Wire;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Matches (RE2, paths, gRPC names), filters (one field per type), and references' kinds. */
final class RouteRules {
  private static final Pattern GRPC_SERVICE =
      Pattern.compile("^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$");
  private static final Pattern GRPC_METHOD = Pattern.compile("^[A-Za-z_][A-Za-z_0-9]*$");
  private static final Set<RouteFilterType> GRPC_FILTERS =
      EnumSet.of(
          RouteFilterType.REQUEST_HEADER_MODIFIER,
          RouteFilterType.RESPONSE_HEADER_MODIFIER,
          RouteFilterType.REQUEST_MIRROR,
          RouteFilterType.EXTENSION_REF);

  private RouteRules() {}

  static void check(HttpRouteSpec route, Problems problems) {
    checkParents(route.parentRefs(), problems);
    checkHostnames(route.hostnames(), problems);
    for (int r = 0; r < route.rules().size(); r++) {
      HttpRouteRule rule = route.rules().get(r);
      String at = "/spec/rules/" + r;
      for (int m = 0; m < rule.matches().size(); m++) {
        checkMatch(rule.matches().get(m), at + "/matches/" + m, problems);
      }
      checkFilters(rule.filters(), at + "/filters", EnumSet.allOf(RouteFilterType.class), problems);
      checkPrefixRewrite(rule, at, problems);
      checkBackends(rule.backendRefs(), at + "/backendRefs", problems);
      if (rule.timeouts() != null
          && rule.timeouts().request() != null
          && rule.timeouts().backendRequest() != null
          && SpecRules.longer(rule.timeouts().backendRequest(), rule.timeouts().request())) {
        problems.add(
            at + "/timeouts/backendRequest",
            "must not be longer than timeouts.request (" + rule.timeouts().request() + ")",
            rule.timeouts().backendRequest());
      }
    }
  }

  static void check(GrpcRouteSpec route, Problems problems) {
    checkParents(route.parentRefs(), problems);
    checkHostnames(route.hostnames(), problems);
    for (int r = 0; r < route.rules().size(); r++) {
      GrpcRouteRule rule = route.rules().get(r);
      String at = "/spec/rules/" + r;
      for (int m = 0; m < rule.matches().size(); m++) {
        GrpcRouteMatch match = rule.matches().get(m);
        String matchAt = at + "/matches/" + m;
        if (match.method() != null) {
          checkMethod(match.method(), matchAt + "/method", problems);
        }
        checkValueMatches(match.headers(), matchAt + "/headers", problems);
      }
      checkFilters(rule.filters(), at + "/filters", GRPC_FILTERS, problems);
      checkBackends(rule.backendRefs(), at + "/backendRefs", problems);
    }
  }

  static void check(TlsRouteSpec route, Problems problems) {
    checkParents(route.parentRefs(), problems);
    checkHostnames(route.hostnames(), problems);
    checkBackendRules(route.rules(), problems);
  }

  static void check(TcpRouteSpec route, Problems problems) {
    checkParents(route.parentRefs(), problems);
    checkBackendRules(route.rules(), problems);
  }

  private static void checkBackendRules(List<BackendRule> rules, Problems problems) {
    for (int r = 0; r < rules.size(); r++) {
      checkBackends(rules.get(r).backendRefs(), "/spec/rules/" + r + "/backendRefs", problems);
    }
  }

  private static void checkParents(List<ParentRef> parents, Problems problems) {
    for (int i = 0; i < parents.size(); i++) {
      ParentRef parent = parents.get(i);
      String at = "/spec/parentRefs/" + i;
      boolean gateway =
          Kind.Groups.GATEWAY_API.equals(parent.group()) && "Gateway".equals(parent.kind());
      if (!gateway && !parent.isBackend()) {
        problems.add(
            at,
            "a route attaches to a Gateway (group gateway.networking.k8s.io) or a Backend (group"
                + " meshgate.io)",
            parent.group() + "/" + parent.kind());
      }
      if (parent.isBackend() && (parent.sectionName() != null || parent.port() != null)) {
        problems.add(at, "sectionName and port apply to Gateways only", null);
      }
    }
  }

  private static void checkHostnames(List<String> hostnames, Problems problems) {
    for (int i = 0; i < hostnames.size(); i++) {
      if (Addresses.looksLikeIp(hostnames.get(i))) {
        problems.add(
            "/spec/hostnames/" + i, "must be a hostname, not an IP address", hostnames.get(i));
      }
    }
  }

  private static void checkMatch(HttpRouteMatch match, String at, Problems problems) {
    HttpPathMatch path = match.path();
    if (path != null) {
      checkPath(path, at + "/path", problems);
    }
    checkValueMatches(match.headers(), at + "/headers", problems);
    checkValueMatches(match.queryParams(), at + "/queryParams", problems);
  }

  /** A path condition as Gateway API allows it; {@code at} is the path of the condition. */
  static void checkPath(HttpPathMatch path, String at, Problems problems) {
    String value = path.value();
    if (path.type() == PathMatchType.REGULAR_EXPRESSION) {
      Re2.check(value, at + "/value", problems);
    } else if (!value.startsWith("/")) {
      problems.add(at + "/value", "must start with '/'", value);
    } else if (value.contains("//")
        || value.contains("#")
        || value.contains("/./")
        || value.contains("/../")
        || value.toLowerCase(Locale.ROOT).contains("%2f")) {
      problems.add(
          at + "/value",
          "must not contain '//', '/./', '/../', '%2f' or '#' (Gateway API path rules)",
          value);
    }
  }

  private static void checkValueMatches(List<ValueMatch> matches, String at, Problems problems) {
    for (int i = 0; i < matches.size(); i++) {
      ValueMatch match = matches.get(i);
      if (match.type() == StringMatchType.REGULAR_EXPRESSION) {
        Re2.check(match.value(), at + "/" + i + "/value", problems);
      }
    }
  }

  private static void checkMethod(GrpcMethodMatch method, String at, Problems problems) {
    if (method.service() == null && method.method() == null) {
      problems.add(at, "needs a service, a method, or both", null);
      return;
    }
    if (method.type() == StringMatchType.REGULAR_EXPRESSION) {
      if (method.service() != null) {
        Re2.check(method.service(), at + "/service", problems);
      }
      if (method.method() != null) {
        Re2.check(method.method(), at + "/method", problems);
      }
      return;
    }
    if (method.service() != null && !GRPC_SERVICE.matcher(method.service()).matches()) {
      problems.add(
          at + "/service",
          "must be a fully qualified gRPC service name such as echo.v1.Echo",
          method.service());
    }
    if (method.method() != null && !GRPC_METHOD.matcher(method.method()).matches()) {
      problems.add(at + "/method", "must be a gRPC method name such as SayHello", method.method());
    }
  }

  private static void checkFilters(
      List<RouteFilter> filters, String at, Set<RouteFilterType> allowed, Problems problems) {
    Set<RouteFilterType> seen = EnumSet.noneOf(RouteFilterType.class);
    for (int i = 0; i < filters.size(); i++) {
      RouteFilter filter = filters.get(i);
      String filterAt = at + "/" + i;
      if (!allowed.contains(filter.type())) {
        problems.add(filterAt + "/type", "not supported on this route kind", filter.type());
        continue;
      }
      if (filter.type() != RouteFilterType.REQUEST_MIRROR && !seen.add(filter.type())) {
        problems.add(
            filterAt + "/type",
            "may appear only once per rule (RequestMirror may repeat)",
            filter.type());
      }
      checkFilterFields(filter, filterAt, problems);
    }
    if (seen.contains(RouteFilterType.REQUEST_REDIRECT)
        && seen.contains(RouteFilterType.URL_REWRITE)) {
      problems.add(
          at, "a rule cannot both redirect (RequestRedirect) and rewrite (URLRewrite)", null);
    }
  }

  private static void checkFilterFields(RouteFilter filter, String at, Problems problems) {
    String[] fields = {
      "requestHeaderModifier",
      "responseHeaderModifier",
      "requestRedirect",
      "urlRewrite",
      "requestMirror",
      "extensionRef"
    };
    Object[] values = {
      filter.requestHeaderModifier(),
      filter.responseHeaderModifier(),
      filter.requestRedirect(),
      filter.urlRewrite(),
      filter.requestMirror(),
      filter.extensionRef()
    };
    String expected =
        switch (filter.type()) {
          case REQUEST_HEADER_MODIFIER -> "requestHeaderModifier";
          case RESPONSE_HEADER_MODIFIER -> "responseHeaderModifier";
          case REQUEST_REDIRECT -> "requestRedirect";
          case URL_REWRITE -> "urlRewrite";
          case REQUEST_MIRROR -> "requestMirror";
          case EXTENSION_REF -> "extensionRef";
        };
    for (int f = 0; f < fields.length; f++) {
      if (fields[f].equals(expected) && values[f] == null) {
        problems.add(at + "/" + fields[f], "is required when type is " + wire(filter.type()), null);
      } else if (!fields[f].equals(expected) && values[f] != null) {
        problems.add(at + "/" + fields[f], "not allowed when type is " + wire(filter.type()), null);
      }
    }
    checkHeaders(filter.requestHeaderModifier(), at + "/requestHeaderModifier", problems);
    checkHeaders(filter.responseHeaderModifier(), at + "/responseHeaderModifier", problems);
    if (filter.requestRedirect() != null) {
      checkPathModifier(filter.requestRedirect().path(), at + "/requestRedirect/path", problems);
    }
    if (filter.urlRewrite() != null) {
      checkPathModifier(filter.urlRewrite().path(), at + "/urlRewrite/path", problems);
    }
    RequestMirror mirror = filter.requestMirror();
    if (mirror != null) {
      if (mirror.percent() != null && mirror.fraction() != null) {
        problems.add(at + "/requestMirror", "set percent or fraction, not both", null);
      }
      if (mirror.fraction() != null
          && mirror.fraction().numerator() > mirror.fraction().denominator()) {
        problems.add(
            at + "/requestMirror/fraction",
            "numerator must not exceed denominator (" + mirror.fraction().denominator() + ")",
            mirror.fraction().numerator());
      }
      checkBackend(mirror.backendRef(), at + "/requestMirror/backendRef", problems);
    }
  }

  private static void checkHeaders(HeaderModifier modifier, String at, Problems problems) {
    if (modifier == null) {
      return;
    }
    Set<String> names = new HashSet<>();
    checkUnique(
        modifier.set().stream().map(HttpHeader::name).toList(), at + "/set", names, problems);
    checkUnique(
        modifier.add().stream().map(HttpHeader::name).toList(), at + "/add", names, problems);
    checkUnique(modifier.remove(), at + "/remove", names, problems);
  }

  /** Header names are case-insensitive and may be named once across set, add and remove. */
  private static void checkUnique(
      List<String> headerNames, String at, Set<String> seen, Problems problems) {
    for (int i = 0; i < headerNames.size(); i++) {
      if (!seen.add(headerNames.get(i).toLowerCase(Locale.ROOT))) {
        problems.add(
            at + "/" + i,
            "header named more than once in this modifier (names are case-insensitive)",
            headerNames.get(i));
      }
    }
  }

  private static void checkPathModifier(PathModifier path, String at, Problems problems) {
    if (path == null) {
      return;
    }
    boolean full = path.type() == PathModifierType.REPLACE_FULL_PATH;
    if (full && path.replaceFullPath() == null) {
      problems.add(at + "/replaceFullPath", "is required when type is ReplaceFullPath", null);
    }
    if (!full && path.replacePrefixMatch() == null) {
      problems.add(at + "/replacePrefixMatch", "is required when type is ReplacePrefixMatch", null);
    }
    if (full && path.replacePrefixMatch() != null) {
      problems.add(at + "/replacePrefixMatch", "not allowed when type is ReplaceFullPath", null);
    }
    if (!full && path.replaceFullPath() != null) {
      problems.add(at + "/replaceFullPath", "not allowed when type is ReplacePrefixMatch", null);
    }
  }

  /** ReplacePrefixMatch needs a prefix to replace: every match of the rule must be a PathPrefix. */
  private static void checkPrefixRewrite(HttpRouteRule rule, String at, Problems problems) {
    for (int i = 0; i < rule.filters().size(); i++) {
      RouteFilter filter = rule.filters().get(i);
      PathModifier path =
          filter.urlRewrite() != null
              ? filter.urlRewrite().path()
              : filter.requestRedirect() != null ? filter.requestRedirect().path() : null;
      if (path == null || path.type() != PathModifierType.REPLACE_PREFIX_MATCH) {
        continue;
      }
      boolean allPrefixes =
          rule.matches().stream()
              .allMatch(m -> m.path() == null || m.path().type() == PathMatchType.PATH_PREFIX);
      if (!allPrefixes) {
        problems.add(
            at + "/filters/" + i,
            "ReplacePrefixMatch needs every match of the rule to be a PathPrefix match",
            null);
      }
    }
  }

  private static void checkBackends(List<BackendRef> refs, String at, Problems problems) {
    for (int i = 0; i < refs.size(); i++) {
      checkBackend(refs.get(i), at + "/" + i, problems);
    }
  }

  static void checkBackend(BackendRef ref, String at, Problems problems) {
    boolean service = "Service".equals(ref.kind()) && ref.group().isEmpty();
    boolean backend = "Backend".equals(ref.kind()) && Kind.Groups.MESHGATE.equals(ref.group());
    if (!service && !backend) {
      problems.add(
          at,
          "a backendRef names a Backend: kind Backend with group meshgate.io, or kind Service (group"
              + " \"\") for the Backend of that name",
          (ref.group().isEmpty() ? "" : ref.group() + "/") + ref.kind());
    }
  }

  private static String wire(RouteFilterType type) {
    return Wire.name(type);
  }
}
