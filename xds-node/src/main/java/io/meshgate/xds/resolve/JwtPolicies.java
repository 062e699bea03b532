package io.meshgate.xds.resolve;

import io.meshgate.config.model.ClaimToHeader;
import io.meshgate.config.model.JwtProvider;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.ClusterPolicyIr.UpstreamTlsIr;
import io.meshgate.xds.ir.DnsClusterIr;
import io.meshgate.xds.ir.JwtProviderIr;
import io.meshgate.xds.ir.JwtProviderIr.ClaimToHeaderIr;
import io.meshgate.xds.ir.JwtRequirementIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SourceRef;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@code jwt} of every SecurityPolicy, checked once: a requirement with its providers and the
 * clusters their key sets are fetched through, or — when a provider cannot be translated — broken.
 * A broken policy fails closed: the routes it governs answer 500 (RouteRules), never unchecked.
 *
 * <p>config-store's validation already holds the URL to {@code https://…} and provider names to one
 * per policy; what is left here is what a pattern cannot say: the URL must parse with a host Envoy
 * can resolve and a port in range.
 */
final class JwtPolicies {
  /** What a SecurityPolicy's {@code jwt} asks of the routes it governs. */
  sealed interface Jwt {
    /**
     * A token one of {@code providers} verifies.
     *
     * @param clusters the DNS clusters of the providers' key sets, one per host and port
     * @param policy the SecurityPolicy it comes from
     */
    record Required(
        JwtRequirementIr requirement,
        List<JwtProviderIr> providers,
        List<DnsClusterIr> clusters,
        SourceRef policy)
        implements Jwt {
      public Required {
        providers = List.copyOf(providers);
        clusters = List.copyOf(clusters);
      }
    }

    /** Could not be translated (Problems say why): its routes answer 500. */
    record Broken(SourceRef policy) implements Jwt {}
  }

  private JwtPolicies() {}

  /** Every SecurityPolicy that sets {@code jwt}, by key; Problems for those that are broken. */
  static Map<ResourceKey, Jwt> of(Context context) {
    Map<ResourceKey, Jwt> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      SecurityPolicySpec spec = policy.spec(SecurityPolicySpec.class);
      if (spec.jwt() != null) {
        byPolicy.put(policy.key(), jwt(context, policy, spec));
      }
    }
    return byPolicy;
  }

  private static Jwt jwt(Context context, Resource policy, SecurityPolicySpec spec) {
    SourceRef source = Context.source(policy);
    // Provider names are unique in a policy (config-store's validation); sorted for output.
    Map<String, JwtProviderIr> providers = new TreeMap<>();
    Map<String, DnsClusterIr> clusters = new TreeMap<>();
    boolean broken = false;
    for (int i = 0; i < spec.jwt().providers().size(); i++) {
      JwtProvider provider = spec.jwt().providers().get(i);
      String at = "/spec/jwt/providers/" + i + "/remoteJWKS/uri";
      Optional<Endpoint> jwks = endpoint(provider.remoteJWKS().uri());
      if (jwks.isEmpty()) {
        context.problem(
            policy,
            at,
            ProblemReason.INVALID,
            "'"
                + provider.remoteJWKS().uri()
                + "' is not an absolute http(s) URL with a host and a port in 1..65535; the routes"
                + " this policy governs answer 500 until it is fixed");
        broken = true;
        continue;
      }
      Endpoint endpoint = jwks.get();
      String cluster = Names.jwksCluster(endpoint.host(), endpoint.port());
      clusters.putIfAbsent(
          cluster,
          new DnsClusterIr(
              cluster,
              endpoint.host(),
              endpoint.port(),
              endpoint.tls()
                  // The issuer's certificate must chain to the Envoy host's CA bundle and name the
                  // host: an unverified key set would let anyone mint tokens.
                  ? new UpstreamTlsIr(endpoint.host(), null, List.of(endpoint.host()), List.of())
                  : null,
              List.of(source)));
      String name = Names.jwtProvider(policy.key(), provider.name());
      providers.put(
          name,
          new JwtProviderIr(
              name,
              provider.issuer(),
              provider.audiences(),
              provider.remoteJWKS().uri(),
              cluster,
              provider.remoteJWKS().cacheDuration() == null
                  ? null
                  : RouteRules.millis(provider.remoteJWKS().cacheDuration()),
              claims(provider.claimToHeaders()),
              Boolean.TRUE.equals(provider.forward())));
    }
    if (broken) {
      return new Jwt.Broken(source);
    }
    return new Jwt.Required(
        new JwtRequirementIr(
            Names.jwtRequirement(policy.key()), new ArrayList<>(providers.keySet())),
        new ArrayList<>(providers.values()),
        new ArrayList<>(clusters.values()),
        source);
  }

  private static List<ClaimToHeaderIr> claims(List<ClaimToHeader> claims) {
    return claims.stream().map(c -> new ClaimToHeaderIr(c.claim(), c.header())).toList();
  }

  /** Where a key set is fetched from. */
  record Endpoint(String host, int port, boolean tls) {}

  /**
   * The host and port of an absolute http(s) URL, or empty. A host that does not parse as one (an
   * underscore, say) leaves Java's URI without a host, as it would leave Envoy without an address.
   */
  static Optional<Endpoint> endpoint(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean tls = scheme.equals("https");
    if (!tls && !scheme.equals("http")) {
      return Optional.empty();
    }
    String host = uri.getHost();
    int port = uri.getPort() == -1 ? (tls ? 443 : 80) : uri.getPort();
    if (host == null || host.isEmpty() || port < 1 || port > 65_535) {
      return Optional.empty();
    }
    // An IPv6 literal comes bracketed; Envoy's socket address wants it bare.
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return Optional.of(new Endpoint(host.toLowerCase(Locale.ROOT), port, tls));
  }
}
