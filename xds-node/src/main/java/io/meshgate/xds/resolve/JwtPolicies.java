package io.meshgate.xds.resolve;

import io.meshgate.config.model.ClaimToHeader;
import io.meshgate.config.model.JwtExtractFrom;
import io.meshgate.config.model.JwtProvider;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.RemoteJwks;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretRef;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.ClusterPolicyIr.UpstreamTlsIr;
import io.meshgate.xds.ir.DnsClusterIr;
import io.meshgate.xds.ir.JwtProviderIr;
import io.meshgate.xds.ir.JwtProviderIr.ClaimToHeaderIr;
import io.meshgate.xds.ir.JwtProviderIr.HeaderSourceIr;
import io.meshgate.xds.ir.JwtProviderIr.TokenSourcesIr;
import io.meshgate.xds.ir.JwtRequirementIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.issuers.Jwks;
import io.meshgate.xds.issuers.KeySetSource;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
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
 * <p>config-store's validation already holds the URL to {@code https://…}, provider names to one
 * per policy and each provider to exactly one key set; what is left here is what a pattern cannot
 * say: the URL must parse with a host Envoy can resolve and a port in range, a CA named for it must
 * be a Secret with a {@code ca.crt}, and a local key set must be in its Secret and be a JWKS.
 *
 * <p>Each requirement also lists the headers its providers write claims to: the routes it governs
 * remove those from the client's request before verification (envoy.UntrustedHeaders).
 */
final class JwtPolicies {
  /** The Secret data key a {@code localJWKS} reads when it names none. */
  static final String DEFAULT_JWKS_KEY = "jwks";

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
    Map<String, String> claimHeaders = new TreeMap<>();
    for (int i = 0; i < spec.jwt().providers().size(); i++) {
      JwtProvider provider = spec.jwt().providers().get(i);
      String at = "/spec/jwt/providers/" + i;
      String name = Names.jwtProvider(policy.key(), provider.name());
      provider.claimToHeaders().forEach(c -> claimHeaders.put(lower(c.header()), c.header()));
      Optional<KeySet> keys =
          provider.remoteJWKS() != null
              ? remote(context, policy, provider.remoteJWKS(), at + "/remoteJWKS", source)
              : local(context, policy, provider.localJWKS(), at + "/localJWKS");
      if (keys.isEmpty()) {
        broken = true;
        continue;
      }
      KeySet set = keys.get();
      if (set.cluster() != null) {
        clusters.putIfAbsent(set.cluster().name(), set.cluster());
      }
      providers.put(
          name,
          new JwtProviderIr(
              name,
              provider.issuer(),
              provider.audiences(),
              set.uri(),
              set.cluster() == null ? null : set.cluster().name(),
              provider.remoteJWKS() == null || provider.remoteJWKS().cacheDuration() == null
                  ? null
                  : RouteRules.millis(provider.remoteJWKS().cacheDuration()),
              claims(provider.claimToHeaders()),
              Boolean.TRUE.equals(provider.forward()),
              set.json(),
              provider.clockSkew() == null ? null : clockSkewSeconds(provider.clockSkew()),
              from(provider.extractFrom()),
              provider.remoteJWKS() == null ? null : keySetTimeoutMillis(provider.remoteJWKS()),
              Boolean.TRUE.equals(provider.recomputeRoute())));
    }
    if (broken) {
      return new Jwt.Broken(source);
    }
    return new Jwt.Required(
        new JwtRequirementIr(
            Names.jwtRequirement(policy.key()),
            new ArrayList<>(providers.keySet()),
            Boolean.TRUE.equals(spec.jwt().allowMissing()),
            new ArrayList<>(claimHeaders.keySet())),
        new ArrayList<>(providers.values()),
        new ArrayList<>(clusters.values()),
        source);
  }

  /** A provider's keys: a URL with the cluster they are fetched through, or the key set itself. */
  private record KeySet(String uri, DnsClusterIr cluster, String json) {}

  private static Optional<KeySet> remote(
      Context context, Resource policy, RemoteJwks remote, String at, SourceRef source) {
    Optional<Endpoint> jwks = endpoint(remote.uri());
    if (jwks.isEmpty()) {
      context.problem(
          policy,
          at + "/uri",
          ProblemReason.INVALID,
          "'"
              + remote.uri()
              + "' is not an absolute http(s) URL with a host and a port in 1..65535; the routes"
              + " this policy governs answer 500 until it is fixed");
      return Optional.empty();
    }
    Endpoint endpoint = jwks.get();
    String caPem = null;
    if (!remote.caCertificateRefs().isEmpty()) {
      Optional<String> pem =
          CaBundles.pem(context, policy, remote.caCertificateRefs(), at + "/caCertificateRefs/");
      if (pem.isEmpty()) {
        return Optional.empty();
      }
      if (!endpoint.tls()) {
        context.problem(
            policy,
            at + "/caCertificateRefs",
            ProblemReason.INVALID,
            "a CA is only used over https, and '"
                + remote.uri()
                + "' is http; the routes this policy governs answer 500 until it is fixed");
        return Optional.empty();
      }
      caPem = pem.get();
    }
    // Status only: what meshgate's own fetch says never changes the config (RemoteKeySets).
    RemoteKeySets.report(context, policy, new KeySetSource(remote.uri(), caPem), at + "/uri");
    // A key set on a private CA gets a cluster of its own: providers on the same host and port
    // that trust other CAs must not share one TLS context.
    String cluster =
        Names.jwksCluster(endpoint.host(), endpoint.port())
            + (caPem == null ? "" : "/ca-" + CaBundles.fingerprint(caPem));
    return Optional.of(
        new KeySet(
            remote.uri(),
            new DnsClusterIr(
                cluster,
                endpoint.host(),
                endpoint.port(),
                endpoint.tls()
                    // The issuer's certificate must chain to the CA (the Envoy host's bundle when
                    // none is named) and name the host: an unverified key set would let anyone
                    // mint tokens.
                    ? new UpstreamTlsIr(endpoint.host(), caPem, List.of(endpoint.host()), List.of())
                    : null,
                List.of(source)),
            null));
  }

  /**
   * A key set in a Secret's {@code data} (public keys only, so not sealed), checked here as Envoy
   * would only check it when the listener loads: JSON with a {@code keys} list of JWKs, each with
   * its {@code kty}.
   */
  private static Optional<KeySet> local(
      Context context, Resource policy, SecretRef ref, String at) {
    String key = ref.key() == null ? DEFAULT_JWKS_KEY : ref.key();
    Optional<Resource> secret =
        context.get(new ResourceKey(Kind.SECRET, policy.metadata().namespace(), ref.name()));
    String encoded = secret.map(s -> s.spec(SecretSpec.class).data().get(key)).orElse(null);
    if (encoded == null) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          (secret.isEmpty()
                  ? "Secret '" + ref.name() + "' not found"
                  : "Secret '" + ref.name() + "' has no data key '" + key + "'")
              + "; the routes this policy governs answer 500 until it is fixed");
      return Optional.empty();
    }
    String json = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    Optional<String> wrong = keySetProblem(json);
    if (wrong.isPresent()) {
      context.problem(
          policy,
          at,
          ProblemReason.INVALID,
          "Secret '"
              + ref.name()
              + "' key '"
              + key
              + "' "
              + wrong.get()
              + "; the routes this policy governs answer 500 until it is fixed");
      return Optional.empty();
    }
    return Optional.of(new KeySet(null, null, json));
  }

  /** What is wrong with a JWKS document, or empty when it is a {@code keys} list of JWKs. */
  static Optional<String> keySetProblem(String json) {
    return Jwks.problem(json);
  }

  /** How long Envoy's fetch of the key set may take (config-store holds it to 0s..60s). */
  private static long keySetTimeoutMillis(RemoteJwks remote) {
    return RouteRules.millis(
        remote.timeout() == null ? RemoteJwks.DEFAULT_TIMEOUT : remote.timeout());
  }

  /** Whole seconds, as Envoy takes them; a part below a second is dropped. */
  private static int clockSkewSeconds(String duration) {
    return (int) Math.min(RouteRules.millis(duration) / 1000, Integer.MAX_VALUE);
  }

  private static TokenSourcesIr from(JwtExtractFrom from) {
    if (from == null) {
      return null;
    }
    return new TokenSourcesIr(
        from.headers().stream().map(h -> new HeaderSourceIr(h.name(), h.valuePrefix())).toList(),
        from.params(),
        from.cookies());
  }

  private static String lower(String header) {
    return header.toLowerCase(Locale.ROOT);
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
