package io.meshgate.xds.resolve;

import io.meshgate.config.model.BackendTlsPolicySpec;
import io.meshgate.config.model.BackendTlsValidation;
import io.meshgate.config.model.ConsistentHash;
import io.meshgate.config.model.GatewaySpec;
import io.meshgate.config.model.GrpcRouteSpec;
import io.meshgate.config.model.HealthCheck;
import io.meshgate.config.model.HttpRouteSpec;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.LocalRateLimit;
import io.meshgate.config.model.ObjectRef;
import io.meshgate.config.model.PolicyTargetRef;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.config.model.SubjectAltName;
import io.meshgate.config.model.TrafficPolicySpec;
import io.meshgate.config.model.TransformPolicySpec;
import io.meshgate.xds.ir.AuthorizationIr;
import io.meshgate.xds.ir.ClusterPolicyIr;
import io.meshgate.xds.ir.ClusterPolicyIr.UpstreamTlsIr;
import io.meshgate.xds.ir.CorsIr;
import io.meshgate.xds.ir.FaultIr;
import io.meshgate.xds.ir.GlobalRateLimitIr;
import io.meshgate.xds.ir.HashOnIr;
import io.meshgate.xds.ir.LocalRateLimitIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.RoutePolicyIr;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * TrafficPolicies, SecurityPolicies, TransformPolicies and BackendTLSPolicies by what they attach
 * to.
 *
 * <p>A target is a Gateway, one of its listeners (sectionName), an HTTPRoute or GRPCRoute, one of
 * its named rules (sectionName), or a Backend. Where several policies of one kind attach to the
 * same target, the oldest (creationTimestamp, then namespace/name) holds it and the others are left
 * out there with a Problem (Conflicted), as Gateway API's policy attachment says. Field by field,
 * the most specific attachment wins: rule over route over listener over Gateway; docs/traffic-
 * policy.md spells it out. A SecurityPolicy's {@code jwt} is taken whole from the most specific
 * level that sets it, and so are {@code cors}, {@code ipAccess}, {@code apiKeyAuth}, {@code
 * basicAuth}, {@code extAuth}, {@code waf} and {@code hmac} (docs/security-policy.md, docs/waf.md).
 */
final class Policies {
  /** Oldest first; equal (or absent) timestamps fall back to namespace/name. */
  static final Comparator<Resource> AGE =
      Comparator.comparing(
              (Resource r) ->
                  r.metadata().creationTimestamp() == null ? "" : r.metadata().creationTimestamp())
          .thenComparing(r -> r.metadata().namespace())
          .thenComparing(r -> r.metadata().name());

  private final Context context;
  private final Map<Target, Resource> traffic = new HashMap<>();
  private final Map<Target, Resource> backendTls = new HashMap<>();
  private final Map<Target, Resource> security = new HashMap<>();
  private final Map<Target, Resource> transform = new HashMap<>();
  private final Map<ResourceKey, JwtPolicies.Jwt> jwt;
  private final Map<String, JwtPolicies.Jwt.Required> jwtByRequirement = new HashMap<>();
  private final Map<ResourceKey, CorsIr> cors;
  private final Map<ResourceKey, IpAccessPolicies.Ip> ipAccess;
  private final Map<ResourceKey, CredentialPolicies.ApiKeys> apiKeys;
  private final Map<ResourceKey, CredentialPolicies.Basic> basicAuth;
  private final Map<ResourceKey, ExtAuthPolicies.Ext> extAuth;
  private final Map<String, ExtAuthPolicies.Ext.Checked> extAuthByName = new HashMap<>();
  private final Map<ResourceKey, OidcPolicies.Oidc> oidc;
  private final Map<String, OidcPolicies.Oidc.Required> oidcByFilter = new HashMap<>();
  private final Map<ResourceKey, AuthorizationIr> authorization;
  private final Map<ResourceKey, GlobalRateLimitIr> globalRateLimits = new HashMap<>();
  private final Map<ResourceKey, WafPolicies.Inspection> waf;
  private final Map<String, WafPolicies.Inspection.Inspected> wafByName = new HashMap<>();
  private final Map<ResourceKey, SignaturePolicies.Hmac> hmac;

  Policies(Context context) {
    this.context = context;
    index(Kind.TRAFFIC_POLICY, traffic);
    index(Kind.BACKEND_TLS_POLICY, backendTls);
    index(Kind.SECURITY_POLICY, security);
    index(Kind.TRANSFORM_POLICY, transform);
    this.jwt = JwtPolicies.of(context);
    this.cors = CorsPolicies.of(context);
    this.ipAccess = IpAccessPolicies.of(context);
    this.apiKeys = CredentialPolicies.apiKeys(context);
    this.basicAuth = CredentialPolicies.basic(context);
    this.extAuth = ExtAuthPolicies.of(context);
    extAuth.values().stream()
        .filter(e -> e instanceof ExtAuthPolicies.Ext.Checked)
        .map(e -> (ExtAuthPolicies.Ext.Checked) e)
        .forEach(e -> extAuthByName.put(e.service().name(), e));
    this.oidc = OidcPolicies.of(context);
    oidc.values().stream()
        .filter(o -> o instanceof OidcPolicies.Oidc.Required)
        .map(o -> (OidcPolicies.Oidc.Required) o)
        .forEach(o -> oidcByFilter.put(o.login().name(), o));
    this.authorization = AuthorizationPolicies.of(context);
    for (Resource policy : context.config.ofKind(Kind.TRAFFIC_POLICY)) {
      GlobalRateLimits.of(policy).ifPresent(g -> globalRateLimits.put(policy.key(), g));
    }
    this.waf = WafPolicies.of(context);
    waf.values().stream()
        .filter(w -> w instanceof WafPolicies.Inspection.Inspected)
        .map(w -> (WafPolicies.Inspection.Inspected) w)
        .forEach(w -> wafByName.putIfAbsent(w.waf().name(), w));
    this.hmac = SignaturePolicies.of(context);
    jwt.values().stream()
        .filter(j -> j instanceof JwtPolicies.Jwt.Required)
        .map(j -> (JwtPolicies.Jwt.Required) j)
        .forEach(j -> jwtByRequirement.put(j.requirement().name(), j));
  }

  private void index(Kind kind, Map<Target, Resource> byTarget) {
    List<Resource> policies = new ArrayList<>(context.config.ofKind(kind));
    policies.sort(AGE);
    for (Resource policy : policies) {
      List<PolicyTargetRef> targets =
          switch (kind) {
            case TRAFFIC_POLICY -> policy.spec(TrafficPolicySpec.class).targetRefs();
            case SECURITY_POLICY -> policy.spec(SecurityPolicySpec.class).targetRefs();
            case TRANSFORM_POLICY -> policy.spec(TransformPolicySpec.class).targetRefs();
            default -> policy.spec(BackendTlsPolicySpec.class).targetRefs();
          };
      for (int i = 0; i < targets.size(); i++) {
        PolicyTargetRef target = targets.get(i);
        String at = "/spec/targetRefs/" + i;
        Optional<Target> key = targetKey(policy, target, at);
        if (key.isEmpty()) {
          continue;
        }
        Resource holder = byTarget.putIfAbsent(key.get(), policy);
        if (holder != null) {
          context.problem(
              policy,
              at,
              ProblemReason.CONFLICTED,
              "the older "
                  + kind.wireName()
                  + " "
                  + holder.metadata().namespace()
                  + "/"
                  + holder.metadata().name()
                  + " already attaches to "
                  + describe(target)
                  + "; this one is left out there");
          continue;
        }
        if (kind == Kind.TRAFFIC_POLICY) {
          checkFields(policy, key.get().resource().kind() == Kind.BACKEND);
        }
      }
    }
  }

  /** The target's key, or empty with a Problem when it does not exist. */
  private Optional<Target> targetKey(Resource policy, PolicyTargetRef target, String at) {
    String namespace = policy.metadata().namespace();
    String kind = "Service".equals(target.kind()) ? "Backend" : target.kind();
    Kind resolved =
        switch (kind) {
          case "Gateway" -> Kind.GATEWAY;
          case "HTTPRoute" -> Kind.HTTP_ROUTE;
          case "GRPCRoute" -> Kind.GRPC_ROUTE;
          default -> Kind.BACKEND;
        };
    Optional<Resource> resource = context.get(new ResourceKey(resolved, namespace, target.name()));
    if (resource.isEmpty()) {
      context.problem(
          policy,
          at,
          ProblemReason.TARGET_NOT_FOUND,
          describe(target) + " not found in namespace " + namespace);
      return Optional.empty();
    }
    String section = target.sectionName();
    if (section != null && !sections(resource.get()).contains(section)) {
      context.problem(
          policy,
          at + "/sectionName",
          ProblemReason.TARGET_NOT_FOUND,
          describe(target)
              + " has no "
              + (resolved == Kind.GATEWAY ? "listener" : "rule")
              + " named '"
              + section
              + "'");
      return Optional.empty();
    }
    return Optional.of(key(resolved, namespace, target.name(), section));
  }

  private static List<String> sections(Resource resource) {
    if (resource.kind() == Kind.GATEWAY) {
      return resource.spec(GatewaySpec.class).listeners().stream().map(l -> l.name()).toList();
    }
    if (resource.kind() == Kind.HTTP_ROUTE) {
      return resource.spec(HttpRouteSpec.class).rules().stream()
          .map(r -> r.name())
          .filter(Objects::nonNull)
          .toList();
    }
    if (resource.kind() == Kind.GRPC_ROUTE) {
      return resource.spec(GrpcRouteSpec.class).rules().stream()
          .map(r -> r.name())
          .filter(Objects::nonNull)
          .toList();
    }
    return List.of();
  }

  /** What a policy attaches to: a resource, or one of its listeners or rules by name. */
  private record Target(ResourceKey resource, @Nullable String section) {}

  private static Target key(Kind kind, String namespace, String name, @Nullable String section) {
    return new Target(new ResourceKey(kind, namespace, name), section);
  }

  private static String describe(PolicyTargetRef target) {
    return target.kind()
        + " '"
        + target.name()
        + "'"
        + (target.sectionName() == null ? "" : " (section '" + target.sectionName() + "')");
  }

  /** Fields that do not apply where the policy attaches get a Problem; they are ignored there. */
  private void checkFields(Resource policy, boolean backend) {
    TrafficPolicySpec spec = policy.spec(TrafficPolicySpec.class);
    Map<String, Object> routeFields = new LinkedHashMap<>();
    routeFields.put("retry", spec.retry());
    routeFields.put("rateLimit", spec.rateLimit());
    routeFields.put("faultInjection", spec.faultInjection());
    if (spec.timeout() != null) {
      routeFields.put("timeout/request", spec.timeout().request());
      routeFields.put("timeout/idle", spec.timeout().idle());
    }
    Map<String, Object> backendFields = new LinkedHashMap<>();
    backendFields.put("circuitBreaker", spec.circuitBreaker());
    backendFields.put("outlierDetection", spec.outlierDetection());
    backendFields.put("healthCheck", spec.healthCheck());
    backendFields.put("loadBalancer", spec.loadBalancer());
    backendFields.put("failover", spec.failover());
    if (spec.timeout() != null) {
      backendFields.put("timeout/connect", spec.timeout().connect());
    }
    Map<String, Object> misplaced = backend ? routeFields : backendFields;
    misplaced.forEach(
        (field, value) -> {
          if (value != null) {
            context.problem(
                policy,
                "/spec/" + field,
                ProblemReason.INVALID,
                backend
                    ? "applies to Gateways and routes, not to a Backend; ignored here"
                    : "applies to Backends (target a Backend or Service); ignored on a Gateway or"
                        + " route");
          }
        });
  }

  private Optional<TrafficPolicySpec> traffic(Target key) {
    return Optional.ofNullable(traffic.get(key)).map(r -> r.spec(TrafficPolicySpec.class));
  }

  /**
   * The TrafficPolicies that shape a route of {@code route}'s rule {@code ruleName}, least specific
   * first: the Gateway, the listener, the route, the rule. {@code gateway} is null for proxyless
   * clients.
   */
  Chain chain(Resource gateway, String listener, Resource route, String ruleName) {
    Levels levels = levels(traffic, gateway, listener, route, ruleName);
    GlobalRateLimitIr global = null;
    for (Resource policy : levels.policies()) {
      GlobalRateLimitIr set = globalRateLimits.get(policy.key());
      global = set == null ? global : set;
    }
    return new Chain(
        levels.policies().stream().map(p -> p.spec(TrafficPolicySpec.class)).toList(),
        levels.routeLevel(),
        global);
  }

  /**
   * The JWT a route of {@code route}'s rule {@code ruleName} asks for: from the most specific
   * SecurityPolicy that sets {@code jwt} (the Gateway, the listener, the route, the rule, least
   * specific first); empty when none does. Arguments as for {@link #chain}.
   */
  Optional<JwtPolicies.Jwt> jwt(
      Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(jwt, gateway, listener, route, ruleName);
  }

  /** The CORS policy of a route, as {@link #jwt} finds its JWT: whole from the most specific. */
  Optional<CorsIr> cors(Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(cors, gateway, listener, route, ruleName);
  }

  /** The client addresses a route allows, as {@link #jwt} finds its JWT. */
  Optional<IpAccessPolicies.Ip> ipAccess(
      Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(ipAccess, gateway, listener, route, ruleName);
  }

  /** The API keys a route takes, as {@link #jwt} finds its JWT. */
  Optional<CredentialPolicies.ApiKeys> apiKeys(
      Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(apiKeys, gateway, listener, route, ruleName);
  }

  /** The basic-auth users a route takes, as {@link #jwt} finds its JWT. */
  Optional<CredentialPolicies.Basic> basicAuth(
      Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(basicAuth, gateway, listener, route, ruleName);
  }

  /** The bytes of credentials a route's config carries (API keys and htpasswd lines). */
  int credentialBytes(RoutePolicyIr policy) {
    int bytes = 0;
    if (policy.apiKeyAuth() != null
        && apiKeys.get(policy.apiKeyAuth().policy().key())
            instanceof CredentialPolicies.ApiKeys.Checked checked) {
      bytes += checked.bytes();
    }
    if (policy.basicAuth() != null
        && basicAuth.get(policy.basicAuth().policy().key())
            instanceof CredentialPolicies.Basic.Checked checked) {
      bytes += checked.bytes();
    }
    return bytes;
  }

  /** The external authorization of a route, as {@link #jwt} finds its JWT. */
  Optional<ExtAuthPolicies.Ext> extAuth(
      Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(extAuth, gateway, listener, route, ruleName);
  }

  /** An external authorization service a route names, with the Backend it runs as. */
  ExtAuthPolicies.Ext.Checked extAuthService(String name) {
    return Objects.requireNonNull(extAuthByName.get(name), name);
  }

  /** The OIDC login of a route, as {@link #jwt} finds its JWT: whole from the most specific. */
  Optional<OidcPolicies.Oidc> oidc(
      Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(oidc, gateway, listener, route, ruleName);
  }

  /** An OIDC login a route enables, by its filter's name. */
  OidcPolicies.Oidc.Required oidcLogin(String filter) {
    return Objects.requireNonNull(oidcByFilter.get(filter), filter);
  }

  /** The HMAC signatures a route demands, as {@link #jwt} finds its JWT. */
  Optional<SignaturePolicies.Hmac> hmac(
      Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(hmac, gateway, listener, route, ruleName);
  }

  /** Who may call a route, as {@link #jwt} finds its JWT. */
  Optional<AuthorizationIr> authorization(
      Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(authorization, gateway, listener, route, ruleName);
  }

  /** The WAF of a route, as {@link #jwt} finds its JWT: whole from the most specific. */
  Optional<WafPolicies.Inspection> waf(
      Resource gateway, String listener, Resource route, String ruleName) {
    return mostSpecific(waf, gateway, listener, route, ruleName);
  }

  /** A WAF a route names, by its filter's name (policies with equal directives share it). */
  WafPolicies.Inspection.Inspected wafFilter(String name) {
    return Objects.requireNonNull(wafByName.get(name), name);
  }

  /** One SecurityPolicy field, whole from the most specific level whose policy sets it. */
  private <T> Optional<T> mostSpecific(
      Map<ResourceKey, T> field,
      Resource gateway,
      String listener,
      Resource route,
      String ruleName) {
    T found = null;
    for (Resource policy : levels(security, gateway, listener, route, ruleName).policies()) {
      T set = field.get(policy.key());
      found = set == null ? found : set;
    }
    return Optional.ofNullable(found);
  }

  /** The TransformPolicies of a route, least specific first; arguments as for {@link #chain}. */
  List<Resource> transforms(Resource gateway, String listener, Resource route, String ruleName) {
    return levels(transform, gateway, listener, route, ruleName).policies();
  }

  /**
   * The SecurityPolicies that target a route or its rule {@code ruleName} (null: none), least
   * specific first.
   */
  List<Resource> securityOf(Resource route, String ruleName) {
    return levels(security, null, null, route, ruleName).policies();
  }

  /** A JWT requirement a route names, with its providers and their key sets' clusters. */
  JwtPolicies.Jwt.Required jwtRequirement(String name) {
    return Objects.requireNonNull(jwtByRequirement.get(name), name);
  }

  /** The policies of one kind that hold a route's levels, least specific first. */
  private record Levels(List<Resource> policies, int routeLevel) {}

  private static Levels levels(
      Map<Target, Resource> byTarget,
      Resource gateway,
      String listener,
      Resource route,
      String ruleName) {
    List<Resource> levels = new ArrayList<>();
    if (gateway != null) {
      ResourceKey g = gateway.key();
      addIfPresent(byTarget, key(Kind.GATEWAY, g.namespace(), g.name(), null), levels);
      addIfPresent(byTarget, key(Kind.GATEWAY, g.namespace(), g.name(), listener), levels);
    }
    int routeLevel = levels.size();
    ResourceKey r = route.key();
    addIfPresent(byTarget, key(route.kind(), r.namespace(), r.name(), null), levels);
    if (ruleName != null) {
      addIfPresent(byTarget, key(route.kind(), r.namespace(), r.name(), ruleName), levels);
    }
    return new Levels(levels, routeLevel);
  }

  private static void addIfPresent(
      Map<Target, Resource> byTarget, Target target, List<Resource> levels) {
    Resource policy = byTarget.get(target);
    if (policy != null) {
      levels.add(policy);
    }
  }

  /** The rate limit of a Gateway (one bucket per port) or of one of its listeners (per host). */
  LocalRateLimitIr gatewayRateLimit(ResourceKey gateway, String listener) {
    return traffic(key(Kind.GATEWAY, gateway.namespace(), gateway.name(), listener))
        .map(p -> p.rateLimit() == null ? null : p.rateLimit().local())
        .map(Policies::bucket)
        .orElse(null);
  }

  /**
   * Policies from least to most specific.
   *
   * @param routeLevel the index of the first route-level policy: rate limits below it are the
   *     Gateway's shared buckets, not the route's own
   * @param globalRateLimit the global limits of the most specific level that sets them, whole: a
   *     Gateway's rules count every route together, a route's own replace them
   */
  record Chain(
      List<TrafficPolicySpec> levels, int routeLevel, @Nullable GlobalRateLimitIr globalRateLimit) {
    /** The most specific value of a field, or null. */
    <T> T mostSpecific(Function<TrafficPolicySpec, T> field) {
      T value = null;
      for (TrafficPolicySpec level : levels) {
        T v = field.apply(level);
        value = v == null ? value : v;
      }
      return value;
    }

    /** The route's own token bucket: from a policy on the route or rule only. */
    LocalRateLimitIr routeRateLimit() {
      LocalRateLimit limit = null;
      for (TrafficPolicySpec level : levels.subList(routeLevel, levels.size())) {
        if (level.rateLimit() != null && level.rateLimit().local() != null) {
          limit = level.rateLimit().local();
        }
      }
      return limit == null ? null : bucket(limit);
    }

    FaultIr fault() {
      var fault = mostSpecific(TrafficPolicySpec::faultInjection);
      if (fault == null) {
        return null;
      }
      var delay = fault.delay();
      var abort = fault.abort();
      return new FaultIr(
          delay == null ? null : RouteRules.millis(delay.fixedDelay()),
          delay == null ? 0 : FaultIr.perMillion(delay.percentage()),
          abort == null ? null : abort.httpStatus(),
          abort == null ? null : abort.grpcStatus(),
          abort == null ? 0 : FaultIr.perMillion(abort.percentage()));
    }
  }

  /** A burst above the rate fills the bucket beyond one period's tokens. */
  static LocalRateLimitIr bucket(LocalRateLimit limit) {
    long period =
        switch (limit.unit()) {
          case SECOND -> 1_000L;
          case MINUTE -> 60_000L;
          case HOUR -> 3_600_000L;
          case DAY -> 86_400_000L;
        };
    long burst = limit.burst() == null ? 0 : limit.burst();
    return new LocalRateLimitIr(limit.requests() + burst, limit.requests(), period);
  }

  /**
   * A Backend's cluster settings: TrafficPolicy fields for Backends, and upstream TLS from its
   * BackendTLSPolicy. {@code failClosed} is set when TLS is asked for but its CA cannot be loaded:
   * the cluster then gets no endpoints rather than an unverified connection.
   */
  record BackendSettings(ClusterPolicyIr policy, boolean failClosed, List<String> failoverZones) {}

  BackendSettings backend(Resource backend) {
    ResourceKey b = backend.key();
    Target key = key(Kind.BACKEND, b.namespace(), b.name(), null);
    Optional<TrafficPolicySpec> spec = traffic(key);
    boolean[] failClosed = {false};
    UpstreamTlsIr tls =
        Optional.ofNullable(backendTls.get(key))
            .map(
                p -> {
                  UpstreamTlsIr t = tls(p);
                  failClosed[0] = t == null;
                  return t;
                })
            .orElse(null);
    TrafficPolicySpec p = spec.orElse(null);
    List<String> zones = p == null || p.failover() == null ? List.of() : p.failover().zones();
    if (p != null
        && p.failover() == null
        && p.healthCheck() == null
        && p.outlierDetection() == null
        && p.circuitBreaker() == null
        && p.loadBalancer() == null
        && (p.timeout() == null || p.timeout().connect() == null)) {
      // Only route-level fields: nothing for the cluster.
      p = null;
    }
    if (p == null && tls == null && !failClosed[0]) {
      return new BackendSettings(null, false, zones);
    }
    ClusterPolicyIr policy =
        new ClusterPolicyIr(
            p == null || p.timeout() == null || p.timeout().connect() == null
                ? null
                : RouteRules.millis(p.timeout().connect()),
            p == null || p.loadBalancer() == null
                ? null
                : ClusterPolicyIr.LoadBalancing.valueOf(p.loadBalancer().type().name()),
            p == null || p.loadBalancer() == null || p.loadBalancer().consistentHash() == null
                ? null
                : hashOn(p.loadBalancer().consistentHash()),
            p == null ? null : healthCheck(p.healthCheck()),
            p == null || p.circuitBreaker() == null
                ? null
                : new ClusterPolicyIr.CircuitBreakerIr(
                    p.circuitBreaker().maxConnections(),
                    p.circuitBreaker().maxPendingRequests(),
                    p.circuitBreaker().maxRequests(),
                    p.circuitBreaker().maxRetries()),
            p == null || p.outlierDetection() == null
                ? null
                : new ClusterPolicyIr.OutlierIr(
                    p.outlierDetection().consecutive5xx(),
                    p.outlierDetection().consecutiveGatewayErrors(),
                    millisOrNull(p.outlierDetection().interval()),
                    millisOrNull(p.outlierDetection().baseEjectionTime()),
                    p.outlierDetection().maxEjectionPercent()),
            tls,
            null);
    return new BackendSettings(policy, failClosed[0], zones);
  }

  private static HashOnIr hashOn(ConsistentHash hash) {
    return new HashOnIr(
        hash.header() == null ? null : hash.header().toLowerCase(Locale.ROOT),
        hash.cookie(),
        Boolean.TRUE.equals(hash.sourceIP()));
  }

  /** Defaults as Envoy Gateway's: every 3 s, 1 s timeout, 3 failures out, 1 success back. */
  private static ClusterPolicyIr.HealthCheckIr healthCheck(HealthCheck check) {
    if (check == null) {
      return null;
    }
    ClusterPolicyIr.HealthCheckIr.Http http =
        check.http() == null
            ? null
            : new ClusterPolicyIr.HealthCheckIr.Http(
                check.http().path(),
                check.http().host(),
                check.http().expectedStatuses().isEmpty()
                    ? List.of(200)
                    : check.http().expectedStatuses());
    String grpc =
        switch (check.type()) {
          case GRPC ->
              check.grpc() == null || check.grpc().service() == null ? "" : check.grpc().service();
          default -> null;
        };
    return new ClusterPolicyIr.HealthCheckIr(
        check.interval() == null ? 3_000 : RouteRules.millis(check.interval()),
        check.timeout() == null ? 1_000 : RouteRules.millis(check.timeout()),
        check.unhealthyThreshold() == null ? 3 : check.unhealthyThreshold(),
        check.healthyThreshold() == null ? 1 : check.healthyThreshold(),
        http,
        grpc);
  }

  /** Upstream TLS, or null with a Problem when a CA Secret is missing or holds no ca.crt. */
  private UpstreamTlsIr tls(Resource policy) {
    BackendTlsValidation validation = policy.spec(BackendTlsPolicySpec.class).validation();
    String caPem = null;
    if (!validation.caCertificateRefs().isEmpty()) {
      StringBuilder pem = new StringBuilder();
      for (int i = 0; i < validation.caCertificateRefs().size(); i++) {
        ObjectRef ref = validation.caCertificateRefs().get(i);
        String at = "/spec/validation/caCertificateRefs/" + i;
        Optional<Resource> secret =
            "Secret".equals(ref.kind()) && ref.group().isEmpty()
                ? context.get(
                    new ResourceKey(Kind.SECRET, policy.metadata().namespace(), ref.name()))
                : Optional.empty();
        String ca = secret.map(s -> s.spec(SecretSpec.class).data().get("ca.crt")).orElse(null);
        if (ca == null) {
          context.problem(
              policy,
              at,
              ProblemReason.INVALID_CA_CERTIFICATE_REF,
              secret.isEmpty()
                  ? "Secret '"
                      + ref.name()
                      + "' not found; the backend gets no traffic until it exists"
                  : "Secret '"
                      + ref.name()
                      + "' has no ca.crt; the backend gets no traffic until it does");
          return null;
        }
        pem.append(new String(Base64.getDecoder().decode(ca), StandardCharsets.UTF_8));
      }
      caPem = pem.toString();
    }
    List<String> dns = new ArrayList<>();
    List<String> uris = new ArrayList<>();
    for (SubjectAltName san : validation.subjectAltNames()) {
      if ("Hostname".equals(san.type())) {
        dns.add(san.hostname());
      } else {
        uris.add(san.uri());
      }
    }
    if (dns.isEmpty() && uris.isEmpty()) {
      dns.add(validation.hostname());
    }
    return new UpstreamTlsIr(validation.hostname(), caPem, dns, uris);
  }

  private static Long millisOrNull(String duration) {
    return duration == null ? null : RouteRules.millis(duration);
  }
}
