package io.meshgate.config.validate;

import io.meshgate.config.model.ApiKeyAuth;
import io.meshgate.config.model.Authorization;
import io.meshgate.config.model.AuthorizationRule;
import io.meshgate.config.model.BackendTlsPolicySpec;
import io.meshgate.config.model.BackendTlsValidation;
import io.meshgate.config.model.ConsistentHash;
import io.meshgate.config.model.ExtAuth;
import io.meshgate.config.model.ExtAuthProtocol;
import io.meshgate.config.model.FaultAbort;
import io.meshgate.config.model.GlobalRateLimit;
import io.meshgate.config.model.GlobalRateLimitRule;
import io.meshgate.config.model.HealthCheck;
import io.meshgate.config.model.HealthCheckType;
import io.meshgate.config.model.HmacAuth;
import io.meshgate.config.model.HttpPathMatch;
import io.meshgate.config.model.IpAccess;
import io.meshgate.config.model.JwtExtractFrom;
import io.meshgate.config.model.JwtProvider;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.LoadBalancer;
import io.meshgate.config.model.LoadBalancerType;
import io.meshgate.config.model.OidcAuth;
import io.meshgate.config.model.PathMatchType;
import io.meshgate.config.model.PermissionOperation;
import io.meshgate.config.model.PermissionSource;
import io.meshgate.config.model.PolicyTargetRef;
import io.meshgate.config.model.RateLimit;
import io.meshgate.config.model.RateLimitSelector;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.config.model.SubjectAltName;
import io.meshgate.config.model.TrafficPermissionSpec;
import io.meshgate.config.model.TrafficPolicySpec;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Policy targets, and the one-of and conditional fields of TrafficPolicy and SecurityPolicy. */
final class PolicyRules {
  private static final Set<String> ROUTE_TARGETS = Set.of("Gateway", "HTTPRoute", "GRPCRoute");

  private PolicyRules() {}

  static void check(TrafficPolicySpec policy, Problems problems) {
    checkTargets(policy.targetRefs(), true, problems);
    if (Arrays.asList(
            policy.timeout(),
            policy.retry(),
            policy.circuitBreaker(),
            policy.outlierDetection(),
            policy.healthCheck(),
            policy.loadBalancer(),
            policy.failover(),
            policy.rateLimit(),
            policy.faultInjection())
        .stream()
        .allMatch(Objects::isNull)) {
      problems.add(
          "/spec",
          "a TrafficPolicy sets nothing: add timeout, retry, circuitBreaker, outlierDetection, healthCheck, loadBalancer, failover, rateLimit or faultInjection",
          null);
    }
    LoadBalancer lb = policy.loadBalancer();
    if (lb != null) {
      boolean hashing =
          lb.type() == LoadBalancerType.RING_HASH || lb.type() == LoadBalancerType.MAGLEV;
      ConsistentHash hash = lb.consistentHash();
      if (hash != null && !hashing) {
        problems.add(
            "/spec/loadBalancer/consistentHash", "only for types RingHash and Maglev", null);
      }
      if (hash != null) {
        SpecRules.exactlyOne(
            "/spec/loadBalancer/consistentHash",
            "consistentHash",
            List.of("header", "cookie", "sourceIP"),
            Arrays.asList(
                hash.header(), hash.cookie(), Boolean.TRUE.equals(hash.sourceIP()) ? true : null),
            problems);
      }
    }
    HealthCheck check = policy.healthCheck();
    if (check != null) {
      if (check.type() == HealthCheckType.HTTP && check.http() == null) {
        problems.add("/spec/healthCheck/http", "is required when type is HTTP", null);
      }
      if (check.type() != HealthCheckType.HTTP && check.http() != null) {
        problems.add("/spec/healthCheck/http", "only for type HTTP", null);
      }
      if (check.type() != HealthCheckType.GRPC && check.grpc() != null) {
        problems.add("/spec/healthCheck/grpc", "only for type GRPC", null);
      }
    }
    if (policy.rateLimit() != null) {
      checkRateLimit(policy.rateLimit(), problems);
    }
    if (policy.faultInjection() != null) {
      if (policy.faultInjection().delay() == null && policy.faultInjection().abort() == null) {
        problems.add("/spec/faultInjection", "needs a delay, an abort, or both", null);
      }
      FaultAbort abort = policy.faultInjection().abort();
      if (abort != null) {
        SpecRules.exactlyOne(
            "/spec/faultInjection/abort",
            "abort",
            List.of("httpStatus", "grpcStatus"),
            Arrays.asList(abort.httpStatus(), abort.grpcStatus()),
            problems);
      }
    }
    if (policy.retry() != null && policy.retry().backoff() != null) {
      var backoff = policy.retry().backoff();
      if (backoff.baseInterval() != null
          && backoff.maxInterval() != null
          && SpecRules.longer(backoff.baseInterval(), backoff.maxInterval())) {
        problems.add(
            "/spec/retry/backoff/maxInterval",
            "must not be shorter than baseInterval (" + backoff.baseInterval() + ")",
            backoff.maxInterval());
      }
    }
  }

  private static void checkRateLimit(RateLimit rateLimit, Problems problems) {
    SpecRules.atLeastOne(
        "/spec/rateLimit",
        "rateLimit",
        List.of("local", "global"),
        Arrays.asList(rateLimit.local(), rateLimit.global()),
        problems);
    GlobalRateLimit global = rateLimit.global();
    if (global == null) {
      return;
    }
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < global.rules().size(); i++) {
      GlobalRateLimitRule rule = global.rules().get(i);
      String at = "/spec/rateLimit/global/rules/" + i;
      if (rule.name() != null) {
        Integer earlier = names.putIfAbsent(rule.name(), i);
        if (earlier != null) {
          problems.add(
              at + "/name",
              "names two rules (also /spec/rateLimit/global/rules/" + earlier + ")",
              rule.name());
        }
      }
      Map<String, Integer> seen = new HashMap<>();
      for (int j = 0; j < rule.selectors().size(); j++) {
        RateLimitSelector selector = rule.selectors().get(j);
        String sat = at + "/selectors/" + j;
        SpecRules.exactlyOne(
            sat,
            "a selector",
            List.of("clientIP", "header", "claim", "path", "route"),
            Arrays.asList(
                selector.clientIP(),
                selector.header(),
                selector.claim(),
                selector.path(),
                selector.route()),
            problems);
        if (selector.path() != null) {
          RouteRules.checkPath(selector.path(), sat + "/path", problems);
        }
        String what = selectorIdentity(selector);
        Integer earlier = what == null ? null : seen.putIfAbsent(what, j);
        if (earlier != null) {
          problems.add(
              sat,
              "counts by " + what + " twice (also " + at + "/selectors/" + earlier + ")",
              null);
        }
      }
    }
  }

  /** What a selector counts by, for finding one counted twice; null when it sets nothing. */
  private static String selectorIdentity(RateLimitSelector selector) {
    if (selector.clientIP() != null) {
      return "the client address";
    }
    if (selector.header() != null) {
      return "header " + selector.header().name().toLowerCase(Locale.ROOT);
    }
    if (selector.claim() != null) {
      return "claim " + selector.claim().name();
    }
    if (selector.path() != null) {
      return "the path";
    }
    if (selector.route() != null) {
      return "the route";
    }
    return null;
  }

  static void check(TrafficPermissionSpec permission, Problems problems) {
    PolicyTargetRef target = permission.targetRef();
    if (!"Backend".equals(target.kind())
        || !target.group().isEmpty() && !Kind.Groups.MESHGATE.equals(target.group())) {
      problems.add(
          "/spec/targetRef/kind",
          "a TrafficPermission targets a Backend (expected: kind Backend)",
          target.kind());
    }
    if (target.sectionName() != null) {
      problems.add(
          "/spec/targetRef/sectionName",
          "a Backend has no sections to target",
          target.sectionName());
    }
    for (int i = 0; i < permission.from().size(); i++) {
      PermissionSource source = permission.from().get(i);
      String at = "/spec/from/" + i;
      if (source.spiffeId() != null
          && (source.namespace() != null || source.serviceAccount() != null)) {
        problems.add(
            at, "names callers twice: give a spiffeId, or a namespace and/or serviceAccount", null);
      } else if (source.spiffeId() == null
          && source.namespace() == null
          && source.serviceAccount() == null) {
        problems.add(at, "names no caller (expected: spiffeId, namespace or serviceAccount)", null);
      }
    }
    PermissionOperation to = permission.to();
    if (to != null) {
      for (int i = 0; i < to.paths().size(); i++) {
        HttpPathMatch path = to.paths().get(i);
        if (path.type() == PathMatchType.REGULAR_EXPRESSION) {
          problems.add(
              "/spec/to/paths/" + i + "/type",
              "RegularExpression is not supported here (expected: Exact or PathPrefix)",
              "RegularExpression");
        } else if (!path.value().startsWith("/")) {
          problems.add("/spec/to/paths/" + i + "/value", "must start with /", path.value());
        }
      }
    }
  }

  static void check(SecurityPolicySpec policy, Problems problems) {
    checkTargets(policy.targetRefs(), false, problems);
    if (Arrays.asList(
            policy.jwt(),
            policy.oidc(),
            policy.apiKeyAuth(),
            policy.basicAuth(),
            policy.hmac(),
            policy.extAuth(),
            policy.cors(),
            policy.ipAccess(),
            policy.authorization(),
            policy.waf())
        .stream()
        .allMatch(Objects::isNull)) {
      problems.add(
          "/spec",
          "a SecurityPolicy sets nothing: add jwt, oidc, apiKeyAuth, basicAuth, hmac, extAuth, cors, ipAccess, authorization or waf",
          null);
    }
    if (policy.jwt() != null) {
      Map<String, Integer> names = new HashMap<>();
      for (int i = 0; i < policy.jwt().providers().size(); i++) {
        JwtProvider provider = policy.jwt().providers().get(i);
        String name = provider.name();
        String at = "/spec/jwt/providers/" + i;
        SpecRules.exactlyOne(
            at,
            "a provider",
            List.of("remoteJWKS", "localJWKS"),
            Arrays.asList(provider.remoteJWKS(), provider.localJWKS()),
            problems);
        if (provider.remoteJWKS() != null) {
          checkKeySetTimeout(provider.remoteJWKS().timeout(), at + "/remoteJWKS/timeout", problems);
        }
        JwtExtractFrom from = provider.extractFrom();
        if (from != null
            && from.headers().isEmpty()
            && from.params().isEmpty()
            && from.cookies().isEmpty()) {
          problems.add(at + "/extractFrom", "needs headers, params or cookies", null);
        }
        Integer first = names.putIfAbsent(name, i);
        if (first != null) {
          problems.add(
              "/spec/jwt/providers/" + i + "/name",
              "duplicate provider name (also "
                  + problems.item("/spec/jwt/providers/" + first)
                  + ")",
              name);
        }
      }
    }
    if (policy.extAuth() != null) {
      checkExtAuth(policy.extAuth(), problems);
    }
    if (policy.waf() != null) {
      WafRules.check(policy.waf(), problems);
    }
    if (policy.hmac() != null) {
      checkHmac(policy.hmac(), problems);
    }
    if (policy.oidc() != null) {
      checkOidc(policy.oidc(), problems);
    }
    ApiKeyAuth apiKey = policy.apiKeyAuth();
    if (apiKey != null) {
      SpecRules.exactlyOne(
          "/spec/apiKeyAuth",
          "apiKeyAuth",
          List.of("header", "query"),
          Arrays.asList(apiKey.header(), apiKey.query()),
          problems);
    }
    if (policy.authorization() != null) {
      checkAuthorization(policy.authorization(), problems);
    }
    IpAccess ip = policy.ipAccess();
    if (ip != null) {
      if (ip.allow().isEmpty() && ip.deny().isEmpty()) {
        problems.add("/spec/ipAccess", "needs allow or deny rules", null);
      }
      checkCidrs(ip.allow(), "/spec/ipAccess/allow", problems);
      checkCidrs(ip.deny(), "/spec/ipAccess/deny", problems);
    }
  }

  /**
   * An {@code extAuth} either names its service or turns a wider policy's check off, never both;
   * the HTTP-only fields are refused for a gRPC service rather than silently ignored.
   */
  private static void checkExtAuth(ExtAuth ext, Problems problems) {
    if (ext.turnsOff()) {
      Map<String, Object> others = new LinkedHashMap<>();
      others.put("backendRef", ext.backendRef());
      others.put("path", ext.path());
      others.put("headersToBackend", ext.headersToBackend().isEmpty() ? null : "set");
      others.put("headersToUpstream", ext.headersToUpstream().isEmpty() ? null : "set");
      others.put("failOpen", ext.failOpen());
      others.put("timeout", ext.timeout());
      List<String> set =
          others.entrySet().stream()
              .filter(e -> e.getValue() != null)
              .map(e -> e.getKey())
              .toList();
      if (!set.isEmpty()) {
        problems.add(
            "/spec/extAuth/disabled",
            "disabled: true turns external authorization off and takes no other field (set: "
                + String.join(", ", set)
                + ")",
            null);
      }
      return;
    }
    if (ext.backendRef() == null) {
      problems.add(
          "/spec/extAuth",
          "extAuth needs a backendRef (the authorization service), or disabled: true to turn a"
              + " wider policy's check off",
          null);
    } else {
      RouteRules.checkBackend(ext.backendRef(), "/spec/extAuth/backendRef", problems);
    }
    if (ext.protocol() == ExtAuthProtocol.GRPC) {
      if (ext.path() != null) {
        problems.add(
            "/spec/extAuth/path",
            "applies to protocol HTTP only; a gRPC service is always called at"
                + " /envoy.service.auth.v3.Authorization/Check",
            ext.path());
      }
      if (!ext.headersToUpstream().isEmpty()) {
        problems.add(
            "/spec/extAuth/headersToUpstream",
            "applies to protocol HTTP only; a gRPC service names the headers to set in its"
                + " CheckResponse",
            null);
      }
    }
    if (SpecRules.longer(ext.timeout(), "60s")) {
      problems.add("/spec/extAuth/timeout", "must be at most 60s", ext.timeout());
    }
  }

  /**
   * A signature must pin the request's method and path, or a captured signature would authorize
   * another method or path on the same host; the skew is bounded, since it is also how long a
   * signature is accepted.
   */
  private static void checkHmac(HmacAuth hmac, Problems problems) {
    List<String> required = hmac.required();
    boolean path =
        required.contains("@path")
            || required.contains("@target-uri")
            || required.contains("@request-target");
    if (!required.contains("@method") || !path) {
      problems.add(
          "/spec/hmac/components",
          "must include @method and one of @path, @request-target or @target-uri: a signature"
              + " that covers neither could be replayed on another method or path",
          null);
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < hmac.components().size(); i++) {
      if (!seen.add(hmac.components().get(i))) {
        problems.add("/spec/hmac/components/" + i, "duplicate component", hmac.components().get(i));
      }
    }
    if (SpecRules.longer(hmac.maxSkew(), "1h")) {
      problems.add("/spec/hmac/maxSkew", "must be at most 1h", hmac.maxSkew());
    } else if (SpecRules.longer("1s", hmac.maxSkew())) {
      problems.add("/spec/hmac/maxSkew", "must be at least 1s", hmac.maxSkew());
    }
  }

  /**
   * Envoy's key set fetch: a zero timeout is no bound at all, and past a minute an issuer that
   * hangs holds the first requests' 401 no less than a failed fetch would.
   */
  private static void checkKeySetTimeout(String timeout, String at, Problems problems) {
    if (timeout == null) {
      return;
    }
    if (SpecRules.longer(timeout, "60s")) {
      problems.add(at, "must be at most 60s", timeout);
    } else if (!SpecRules.longer(timeout, "0s")) {
      problems.add(at, "must be more than 0s", timeout);
    }
  }

  /**
   * The redirect URL is sent as OAuth's redirect_uri, to which the provider appends the code and
   * state as a query; Envoy recognises the callback by its path, so the logout path must differ.
   */
  private static void checkOidc(OidcAuth oidc, Problems problems) {
    String callbackPath = "/oauth2/callback";
    if (oidc.redirectURL() != null) {
      URI uri;
      try {
        uri = new URI(oidc.redirectURL());
      } catch (URISyntaxException e) {
        problems.add("/spec/oidc/redirectURL", "is not a URL", oidc.redirectURL());
        return;
      }
      if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
        problems.add(
            "/spec/oidc/redirectURL",
            "must not carry a query or fragment (the provider appends its own query)",
            oidc.redirectURL());
      }
      callbackPath =
          uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      if (callbackPath.equals("/")) {
        problems.add(
            "/spec/oidc/redirectURL",
            "needs a path other than / (Envoy takes every request for that path as the provider's"
                + " callback)",
            oidc.redirectURL());
      }
    }
    String logout = oidc.logoutPath() == null ? "/logout" : oidc.logoutPath();
    if (logout.equals(callbackPath)) {
      problems.add(
          "/spec/oidc/logoutPath",
          "must differ from the redirect URL's path (" + callbackPath + ")",
          logout);
    }
  }

  private static void checkAuthorization(Authorization authorization, Problems problems) {
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < authorization.rules().size(); i++) {
      AuthorizationRule rule = authorization.rules().get(i);
      String at = "/spec/authorization/rules/" + i;
      Integer first = names.putIfAbsent(rule.name(), i);
      if (first != null) {
        problems.add(
            at + "/name",
            "duplicate rule name (also "
                + problems.item("/spec/authorization/rules/" + first)
                + ")",
            rule.name());
      }
      if (rule.principal() != null
          && rule.principal().jwt().claims().isEmpty()
          && rule.principal().jwt().scopes().isEmpty()) {
        problems.add(at + "/principal/jwt", "needs claims or scopes", null);
      }
      if (rule.operation() != null) {
        checkPaths(rule.operation(), at + "/operation/paths/", problems);
      }
    }
  }

  private static void checkPaths(PermissionOperation to, String at, Problems problems) {
    for (int i = 0; i < to.paths().size(); i++) {
      HttpPathMatch path = to.paths().get(i);
      if (path.type() == PathMatchType.REGULAR_EXPRESSION) {
        problems.add(
            at + i + "/type",
            "RegularExpression is not supported here (expected: Exact or PathPrefix)",
            "RegularExpression");
      } else if (!path.value().startsWith("/")) {
        problems.add(at + i + "/value", "must start with /", path.value());
      }
    }
  }

  static void check(BackendTlsPolicySpec policy, Problems problems) {
    for (int i = 0; i < policy.targetRefs().size(); i++) {
      PolicyTargetRef target = policy.targetRefs().get(i);
      if (!isBackendTarget(target)) {
        problems.add(
            "/spec/targetRefs/" + i,
            "a BackendTLSPolicy targets a Backend (group meshgate.io) or a Service (group \"\") naming one",
            target.group() + "/" + target.kind());
      }
    }
    BackendTlsValidation validation = policy.validation();
    SpecRules.exactlyOne(
        "/spec/validation",
        "validation",
        List.of("caCertificateRefs", "wellKnownCACertificates"),
        Arrays.asList(
            validation.caCertificateRefs().isEmpty() ? null : validation.caCertificateRefs(),
            validation.wellKnownCACertificates()),
        problems);
    for (int i = 0; i < validation.subjectAltNames().size(); i++) {
      SubjectAltName san = validation.subjectAltNames().get(i);
      String at = "/spec/validation/subjectAltNames/" + i;
      boolean hostname = san.type().equals("Hostname");
      if (hostname && san.hostname() == null) {
        problems.add(at + "/hostname", "is required when type is Hostname", null);
      }
      if (!hostname && san.uri() == null) {
        problems.add(at + "/uri", "is required when type is URI", null);
      }
      if (hostname && san.uri() != null) {
        problems.add(at + "/uri", "not allowed when type is Hostname", san.uri());
      }
      if (!hostname && san.hostname() != null) {
        problems.add(at + "/hostname", "not allowed when type is URI", san.hostname());
      }
    }
  }

  static void checkTargets(List<PolicyTargetRef> targets, boolean backendsToo, Problems problems) {
    for (int i = 0; i < targets.size(); i++) {
      PolicyTargetRef target = targets.get(i);
      boolean route =
          Kind.Groups.GATEWAY_API.equals(target.group()) && ROUTE_TARGETS.contains(target.kind());
      boolean backend = backendsToo && isBackendTarget(target);
      if (!route && !backend) {
        problems.add(
            "/spec/targetRefs/" + i,
            "targets a Gateway, HTTPRoute or GRPCRoute (group gateway.networking.k8s.io)"
                + (backendsToo ? ", or a Backend (group meshgate.io) or Service (group \"\")" : ""),
            (target.group().isEmpty() ? "" : target.group() + "/") + target.kind());
      }
    }
  }

  private static boolean isBackendTarget(PolicyTargetRef target) {
    return (Kind.Groups.MESHGATE.equals(target.group()) && "Backend".equals(target.kind()))
        || (target.group().isEmpty() && "Service".equals(target.kind()));
  }

  private static void checkCidrs(List<String> cidrs, String at, Problems problems) {
    for (int i = 0; i < cidrs.size(); i++) {
      String problem = Addresses.cidrProblem(cidrs.get(i));
      if (problem != null) {
        problems.add(at + "/" + i, problem, cidrs.get(i));
      }
    }
  }
}
