package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * One filter chain of a port: the server names (SNI) it takes (none: any), the certificates it
 * terminates TLS with (by SDS name; none: no termination), and where the traffic goes.
 */
public record FilterChainIr(
    String name,
    List<String> serverNames,
    List<String> certificates,
    Target target,
    MeshTlsIr mesh) {
  /** A chain without mesh TLS. */
  public FilterChainIr(
      String name, List<String> serverNames, List<String> certificates, Target target) {
    this(name, serverNames, certificates, target, null);
  }

  public FilterChainIr {
    requireNonNull(name, "name");
    serverNames = Lists.copy(serverNames);
    certificates = Lists.copy(certificates);
    requireNonNull(target, "target");
  }

  /** Whether the chain terminates TLS with a Gateway's certificates (not mesh TLS). */
  @JsonIgnore
  public boolean terminatesTls() {
    return !certificates.isEmpty();
  }

  /** HTTP to a route table, or TCP straight to clusters. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Target.Http.class, name = "http"),
    @JsonSubTypes.Type(value = Target.Tcp.class, name = "tcp"),
    @JsonSubTypes.Type(value = Target.Inbound.class, name = "inbound")
  })
  public sealed interface Target {
    /**
     * An HTTP connection manager on the route table.
     *
     * @param rateLimit a token bucket shared by every request of the chain (from a TrafficPolicy on
     *     the Gateway); null: none
     * @param jwt the JWT providers and requirements the route table's routes name; null: none
     * @param extAuth the external authorization services the route table's routes name, sorted by
     *     name; empty: none
     * @param oauth2 the OIDC logins the route table's routes enable, by filter name
     * @param xffTrustedHops how many proxies in front append to X-Forwarded-For, all trusted: the
     *     client's address is that many entries from the right; null: the TCP peer is the client
     * @param globalRateLimits the rate limit filters the route table's global limits need, in stage
     *     order; empty: none
     * @param waf the WAFs the route table's routes are inspected by, sorted by name; empty: none
     * @param hmac meshgate's HMAC signature service, when a route of the table demands signatures;
     *     null: none does
     * @param caches the response caches the route table's routes use, one filter each, sorted by
     *     name; empty: none
     * @param extProc meshgate's body service, when a route of the table transforms bodies; null:
     *     none
     */
    record Http(
        String routeTable,
        LocalRateLimitIr rateLimit,
        JwtAuthnIr jwt,
        List<ExtAuthIr> extAuth,
        List<OAuth2Ir> oauth2,
        Integer xffTrustedHops,
        List<GlobalRateLimitIr.Stage> globalRateLimits,
        List<WafIr> waf,
        HmacServiceIr hmac,
        List<CacheIr> caches,
        ExtProcIr extProc)
        implements Target {
      /** Without global rate limits, a WAF, HMAC signatures, caches or body transformation. */
      public Http(
          String routeTable,
          LocalRateLimitIr rateLimit,
          JwtAuthnIr jwt,
          List<ExtAuthIr> extAuth,
          List<OAuth2Ir> oauth2,
          Integer xffTrustedHops) {
        this(
            routeTable,
            rateLimit,
            jwt,
            extAuth,
            oauth2,
            xffTrustedHops,
            List.of(),
            List.of(),
            null,
            List.of(),
            null);
      }

      /** Without JWT authentication. */
      public Http(String routeTable, LocalRateLimitIr rateLimit) {
        this(routeTable, rateLimit, null);
      }

      /** Without external authorization, OIDC logins or trusted proxies. */
      public Http(String routeTable, LocalRateLimitIr rateLimit, JwtAuthnIr jwt) {
        this(routeTable, rateLimit, jwt, List.of(), List.of(), null);
      }

      public Http {
        requireNonNull(routeTable, "routeTable");
        extAuth = Lists.copy(extAuth);
        oauth2 = Lists.copy(oauth2);
        globalRateLimits = Lists.copy(globalRateLimits);
        waf = Lists.copy(waf);
        caches = Lists.copy(caches);
      }
    }

    /**
     * An in-mesh workload's inbound HTTP: a connection manager on the route table whose chain also
     * holds the access filters (the route table's hosts say who may call).
     */
    record Inbound(String routeTable) implements Target {
      public Inbound {
        requireNonNull(routeTable, "routeTable");
      }
    }

    /**
     * A TCP proxy to the clusters, by weight; with no cluster, connections are closed. With {@code
     * access}, an in-mesh workload's inbound: only permitted callers connect.
     */
    record Tcp(String statPrefix, List<WeightedClusterIr> clusters, AccessIr access)
        implements Target {
      /** A TCP proxy anyone may connect through. */
      public Tcp(String statPrefix, List<WeightedClusterIr> clusters) {
        this(statPrefix, clusters, null);
      }

      public Tcp {
        requireNonNull(statPrefix, "statPrefix");
        clusters = Lists.copy(clusters);
      }
    }
  }
}
