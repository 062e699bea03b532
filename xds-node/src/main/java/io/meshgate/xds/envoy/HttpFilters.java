package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import io.meshgate.xds.ir.CacheIr;
import io.meshgate.xds.ir.ExtAuthIr;
import io.meshgate.xds.ir.FaultIr;
import io.meshgate.xds.ir.FilterChainIr;
import io.meshgate.xds.ir.GlobalRateLimitIr;
import io.meshgate.xds.ir.HmacServiceIr;
import io.meshgate.xds.ir.JwtAuthnIr;
import io.meshgate.xds.ir.LocalRateLimitIr;
import io.meshgate.xds.ir.OAuth2Ir;
import io.meshgate.xds.ir.ProxyKind;
import io.meshgate.xds.ir.WafIr;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that lists the HTTP filters, in order, and says why.
 *
 * <p>Envoy gets: CORS, client-address rules, the WAF (one wasm filter per set of directives, only
 * where used), OIDC login (one {@code oauth2} filter per policy, only where used), API keys, basic
 * auth, removal of client-sent copies of verified headers, JWT authentication, authorization on
 * verified identity (RBAC), meshgate's HMAC signature check (only where used), external
 * authorization (one filter per service, only where used), local rate limit, global rate limits
 * (one filter per failure mode, only where used), header mutation, response caches (one per policy,
 * only where used), body transformation (ext_proc, only where used), fault injection, router. CORS
 * comes first: a browser's preflight carries no credentials and must be answered without them
 * (Envoy Gateway puts it first too); an actual cross-origin request passes on and meets every check
 * below. Client-address rules come next: a refused address costs no token verification and no
 * rate-limit token, and learns nothing of how the route authenticates (403, never 401). The WAF
 * comes right after them and before every authentication: an attack payload is refused before any
 * credential check parses it or calls out (a login redirect, a token fetch, an authorization
 * service), and a refused address costs no inspection, the most expensive filter in the chain. OIDC
 * login comes before the other authentication: a browser without a session is sent to its provider
 * before anything asks it for credentials, and the access token the login forwards as {@code
 * Authorization: Bearer} is then there for JWT authentication to verify. Authentication comes
 * before the rest: an unauthenticated request costs no rate-limit token (count callers, not
 * anonymous noise) and never waits out an injected delay, and every later filter that reads
 * identity — the claims JWT authentication copies into headers — sees only verified values. The
 * authentication filters are alternatives a route picks from (a policy may set several; each that
 * is set must pass): API keys and basic auth are cheap lookups in the route's own config, so they
 * run before JWT's signature checks, and a route without either skips them (they are disabled
 * unless a route enables them). Client-sent copies of the headers JWT authentication and the
 * authorization service write as verified (claims, the service's answer) are removed just before
 * verification (a removal after them would drop the verified values too). Authorization on claims,
 * methods and paths comes right after authentication: it reads the verified payload that jwt_authn
 * leaves in the request's metadata, and a refused caller costs no rate-limit token. External
 * authorization comes after both: the service decides on a verified identity, and a request that is
 * refused anyway never costs a call to it; it comes before the rate limit, so a request the service
 * refuses spends no token (the other way round, refused requests would drain the bucket of the
 * callers it lets in). The HMAC signature check is one more external authorization, meshgate's own,
 * placed before the others: a request whose signature fails costs no call to an operator's service,
 * and that service may rely on the verified keyid ({@code x-meshgate-signature-keyid}). The local
 * bucket comes before the global limits: it costs no call, and a flood it refuses never reaches the
 * service or Redis. Rate limiting comes before faults so a limited request is answered 429 at once
 * and never waits out an injected delay. Header mutation comes after every check, so its values
 * read only verified claims and a refused request is never transformed; it comes before the cache,
 * so a response served from the cache gets the same response headers as a fresh one. The cache
 * comes before body transformation and fault injection: Envoy sends a cacheable request past the
 * filters after the cache, so no route has both a cache and body transformation (resolve leaves the
 * cache off there). The router is always last (Envoy and gRPC both require it).
 *
 * <p>Every filter is in the chain whether or not a route uses it (CORS and the address rules in
 * sidecars' outbound chains too, where no route configures them), configured per route (or per
 * virtual host) through {@code typed_per_filter_config}, except those whose config names what they
 * call: the listener then never changes when a policy does, so Envoy never drains connections for a
 * policy change. JWT authentication cannot keep that promise: its providers live in the filter's
 * own config, so a provider change is a listener change whatever we do. It is in the chain only
 * where a route asks for a JWT, which leaves every other listener exactly as it was; the removal of
 * untrusted headers goes with it and with external authorization. OIDC login and external
 * authorization have the same constraint (the provider or the service is in the filter's config)
 * and the same answer: one filter per policy or service, only where a route uses it, disabled by
 * default and turned on by the routes that name it. So has the WAF, whose directives live in the
 * wasm filter's config: one filter per distinct set of directives.
 *
 * <p>Proxyless gRPC clients reject a non-optional filter they do not know, so they only ever get
 * filters gRPC implements: fault injection and the router.
 */
final class HttpFilters {
  static final String CORS = CrossOrigin.NAME;
  static final String IP_ACCESS = IpRules.NAME;
  static final String API_KEY_AUTH = CredentialAuth.API_KEY_AUTH;
  static final String BASIC_AUTH = CredentialAuth.BASIC_AUTH;
  static final String UNTRUSTED_HEADERS = UntrustedHeaders.NAME;
  static final String JWT_AUTHN = JwtAuthn.NAME;
  static final String AUTHORIZATION = Authorization.NAME;
  static final String LOCAL_RATE_LIMIT = "envoy.filters.http.local_ratelimit";
  static final String HEADER_MUTATION = Transforms.HEADER_MUTATION;
  static final String EXT_PROC = Transforms.EXT_PROC;
  static final String FAULT = "envoy.filters.http.fault";
  static final String ROUTER = "envoy.filters.http.router";

  private HttpFilters() {}

  /**
   * The chain of a listener's HTTP connection manager: what its route table's routes need (the
   * target's shared bucket, JWT providers, authorization services, OIDC logins, global rate limit
   * stages, WAFs, the signature service, caches and the body service; see {@link
   * FilterChainIr.Target.Http}).
   */
  static List<HttpFilter> chain(
      ProxyKind kind, String statPrefix, FilterChainIr.Target.Http target) {
    LocalRateLimitIr rateLimit = target.rateLimit();
    JwtAuthnIr jwt = target.jwt();
    List<ExtAuthIr> extAuth = target.extAuth();
    HmacServiceIr hmac = target.hmac();
    List<HttpFilter> chain = new ArrayList<>();
    if (kind == ProxyKind.ENVOY) {
      chain.add(filter(CORS, Any.pack(CrossOrigin.filter())));
      chain.add(filter(IP_ACCESS, Any.pack(IpRules.filter())));
      for (WafIr firewall : target.waf()) {
        // Off in the chain, on for the routes whose policy asks for it (WebFirewall.enabled()).
        chain.add(disabled(firewall.name(), Any.pack(WebFirewall.filter(firewall))));
      }
      for (OAuth2Ir login : target.oauth2()) {
        // Off in the chain, on for the routes of its policy (OidcLogin.enabled()): a request on
        // any other route never meets it.
        chain.add(disabled(login.name(), Any.pack(OidcLogin.filter(login))));
      }
      // Off unless a route enables them with its credentials: with none of their own they would
      // refuse every request of a route without a policy.
      chain.add(disabled(API_KEY_AUTH, Any.pack(CredentialAuth.apiKeyFilter())));
      chain.add(disabled(BASIC_AUTH, Any.pack(CredentialAuth.basicFilter())));
    }
    if (kind == ProxyKind.ENVOY && (jwt != null || !extAuth.isEmpty())) {
      // Client-sent copies of what JWT and the authorization service write go first.
      chain.add(filter(UNTRUSTED_HEADERS, Any.pack(UntrustedHeaders.filter())));
    }
    if (kind == ProxyKind.ENVOY && jwt != null) {
      chain.add(filter(JWT_AUTHN, Any.pack(JwtAuthn.filter(jwt))));
    }
    if (kind == ProxyKind.ENVOY) {
      chain.add(filter(AUTHORIZATION, Any.pack(Authorization.filter())));
      if (hmac != null) {
        // Off by default: only the routes whose policy demands signatures turn it on.
        chain.add(disabled(HmacSignatures.FILTER, Any.pack(HmacSignatures.filter(hmac))));
      }
      // Off by default: only the routes that name a service turn its filter on.
      for (ExtAuthIr service : extAuth) {
        chain.add(
            disabled(
                ExternalAuth.filterName(service.name()), Any.pack(ExternalAuth.filter(service))));
      }
    }
    if (kind == ProxyKind.ENVOY) {
      LocalRateLimit config =
          rateLimit == null
              // No bucket and filter_enabled unset: off unless a route or host turns it on.
              ? LocalRateLimit.newBuilder().setStatPrefix(statPrefix).build()
              : rateLimit(rateLimit, statPrefix);
      chain.add(filter(LOCAL_RATE_LIMIT, Any.pack(config)));
      // Only where a route has global limits: the filter names meshgate's service, whose
      // cluster a group has only then. A route without limits is never counted.
      for (GlobalRateLimitIr.Stage stage : target.globalRateLimits()) {
        chain.add(
            filter(
                GlobalRateLimitFilter.name(stage), Any.pack(GlobalRateLimitFilter.filter(stage))));
      }
      // Configured per route only: a route without mutations passes through it untouched.
      chain.add(filter(HEADER_MUTATION, Any.pack(HeaderMutation.getDefaultInstance())));
      // Off in the chain, on for the routes whose policy caches (Transforms.enabled()).
      for (CacheIr cache : target.caches()) {
        chain.add(disabled(cache.name(), Any.pack(Transforms.cacheFilter(cache))));
      }
      if (target.extProc() != null) {
        // Off in the chain; a route that transforms bodies turns it on with its overrides.
        chain.add(disabled(EXT_PROC, Any.pack(Transforms.extProcFilter(target.extProc()))));
      }
    }
    chain.add(filter(FAULT, Any.pack(HTTPFault.getDefaultInstance())));
    chain.add(filter(ROUTER, Any.pack(Router.getDefaultInstance())));
    return chain;
  }

  /**
   * The chain of an in-mesh workload's inbound: the access filters first (a refused caller costs
   * nothing further), then fault injection and the router. The same for Envoy and proxyless gRPC
   * servers, which implement RBAC (gRFC A41).
   */
  static List<HttpFilter> inbound(ProxyKind kind) {
    List<HttpFilter> chain = new ArrayList<>(Access.httpFilters());
    if (kind == ProxyKind.ENVOY) {
      chain.add(filter(FAULT, Any.pack(HTTPFault.getDefaultInstance())));
    }
    chain.add(filter(ROUTER, Any.pack(Router.getDefaultInstance())));
    return chain;
  }

  private static HttpFilter filter(String name, Any config) {
    return HttpFilter.newBuilder().setName(name).setTypedConfig(config).build();
  }

  /**
   * A filter Envoy runs only on routes whose {@code typed_per_filter_config} has an entry for it
   * (HttpFilter.disabled: a route's config enables it).
   */
  private static HttpFilter disabled(String name, Any config) {
    return HttpFilter.newBuilder().setName(name).setTypedConfig(config).setDisabled(true).build();
  }

  /**
   * A token bucket, enforced for every request it sees, answering 429 with the IETF draft's
   * RateLimit-* headers (limit, remaining, reset) on every response.
   */
  static LocalRateLimit rateLimit(LocalRateLimitIr bucket, String statPrefix) {
    RuntimeFractionalPercent all =
        RuntimeFractionalPercent.newBuilder()
            .setDefaultValue(
                FractionalPercent.newBuilder()
                    .setNumerator(100)
                    .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
            .setRuntimeKey(statPrefix.replace('/', '_') + "_enabled")
            .build();
    return LocalRateLimit.newBuilder()
        .setStatPrefix(statPrefix)
        .setTokenBucket(
            TokenBucket.newBuilder()
                .setMaxTokens((int) Math.min(bucket.maxTokens(), Integer.MAX_VALUE))
                .setTokensPerFill(
                    UInt32Value.of((int) Math.min(bucket.tokensPerFill(), Integer.MAX_VALUE)))
                .setFillInterval(Durations.fromMillis(bucket.fillIntervalMillis())))
        .setFilterEnabled(all)
        .setFilterEnforced(
            all.toBuilder().setRuntimeKey(statPrefix.replace('/', '_') + "_enforced"))
        .setEnableXRatelimitHeaders(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03)
        .addResponseHeadersToAdd(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("x-meshgate-ratelimited").setValue("1"))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
        .build();
  }

  /** Delays and aborts, each for its share in parts per million. */
  static HTTPFault fault(FaultIr fault) {
    HTTPFault.Builder builder = HTTPFault.newBuilder();
    if (fault.delays()) {
      builder.setDelay(
          FaultDelay.newBuilder()
              .setFixedDelay(Durations.fromMillis(fault.delayMillis()))
              .setPercentage(perMillion(fault.delayPerMillion())));
    }
    if (fault.aborts()) {
      FaultAbort.Builder abort =
          FaultAbort.newBuilder().setPercentage(perMillion(fault.abortPerMillion()));
      if (fault.abortHttpStatus() != null) {
        abort.setHttpStatus(fault.abortHttpStatus());
      } else {
        abort.setGrpcStatus(fault.abortGrpcStatus());
      }
      builder.setAbort(abort);
    }
    return builder.build();
  }

  private static FractionalPercent perMillion(int numerator) {
    // The smallest exact denominator keeps the config readable: 50 % is 50/100, not 500000/10^6.
    if (numerator % 10_000 == 0) {
      return FractionalPercent.newBuilder()
          .setNumerator(numerator / 10_000)
          .setDenominator(FractionalPercent.DenominatorType.HUNDRED)
          .build();
    }
    if (numerator % 100 == 0) {
      return FractionalPercent.newBuilder()
          .setNumerator(numerator / 100)
          .setDenominator(FractionalPercent.DenominatorType.TEN_THOUSAND)
          .build();
    }
    return FractionalPercent.newBuilder()
        .setNumerator(numerator)
        .setDenominator(FractionalPercent.DenominatorType.MILLION)
        .build();
  }
}
