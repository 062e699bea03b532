package io.meshgate.xds.resolve;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.OidcAuth;
import io.meshgate.config.model.OidcCookieNames;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.model.SecretRef;
import io.meshgate.config.model.SecurityPolicySpec;
import io.meshgate.xds.ir.ClusterPolicyIr.UpstreamTlsIr;
import io.meshgate.xds.ir.DnsClusterIr;
import io.meshgate.xds.ir.OAuth2Ir;
import io.meshgate.xds.ir.OAuth2SecretIr;
import io.meshgate.xds.ir.ProblemReason;
import io.meshgate.xds.ir.SourceRef;
import io.meshgate.xds.issuers.Discovery;
import io.meshgate.xds.issuers.IssuerMetadata;
import io.meshgate.xds.keys.KeyMaterial;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code oidc} of every SecurityPolicy, checked once: an OIDC login (Envoy's {@code oauth2}
 * filter) with the cluster its token endpoint is called through, or — when it cannot be translated
 * — broken. A broken policy fails closed: the routes it governs answer 500 (RouteRules).
 *
 * <p>The provider's endpoints come from its discovery document, fetched at input time ({@code
 * issuers.IssuerDiscovery}); here it is data. No document yet is a Problem and a broken policy; a
 * failing refresh with a last good document keeps that document's endpoints, with a Problem that
 * says so. The client secret (and the cookies' HMAC key, when set) must be sealed values of an
 * Opaque Secret this replica can open; without an HMAC key of its own the policy's is derived from
 * the client secret, the same on every replica.
 */
final class OidcPolicies {
  static final String DEFAULT_REDIRECT_PATH = "/oauth2/callback";
  static final String DEFAULT_REDIRECT_URI =
      "%REQ(x-forwarded-proto)%://%REQ(:authority)%" + DEFAULT_REDIRECT_PATH;
  static final String DEFAULT_LOGOUT_PATH = "/logout";
  static final String CLIENT_SECRET_KEY = "client-secret";
  static final String HMAC_SECRET_KEY = "hmac-secret";

  /** What a SecurityPolicy's {@code oidc} asks of the routes it governs. */
  sealed interface Oidc {
    /** A login through {@code login}'s filter; {@code cluster} reaches the token endpoint. */
    record Required(OAuth2Ir login, DnsClusterIr cluster) implements Oidc {}

    /** Could not be translated (Problems say why): its routes answer 500. */
    record Broken(SourceRef policy) implements Oidc {}
  }

  private OidcPolicies() {}

  /** Every SecurityPolicy that sets {@code oidc}, by key; Problems for those that are broken. */
  static Map<ResourceKey, Oidc> of(Context context) {
    Map<ResourceKey, Oidc> byPolicy = new HashMap<>();
    for (Resource policy : context.config.ofKind(Kind.SECURITY_POLICY)) {
      OidcAuth oidc = policy.spec(SecurityPolicySpec.class).oidc();
      if (oidc != null) {
        byPolicy.put(policy.key(), oidc(context, policy, oidc));
      }
    }
    return byPolicy;
  }

  private static Oidc oidc(Context context, Resource policy, OidcAuth oidc) {
    SourceRef source = Context.source(policy);
    Optional<IssuerMetadata> metadata = metadata(context, policy, oidc.issuer());
    Optional<OAuth2SecretIr.FromSecret> clientSecret =
        secret(
            context,
            policy,
            oidc.clientSecret(),
            CLIENT_SECRET_KEY,
            "/spec/oidc/clientSecret",
            Names.oauth2Secret(policy.key(), "client-secret"));
    Optional<OAuth2SecretIr> hmac;
    if (oidc.hmacSecret() != null) {
      hmac =
          secret(
                  context,
                  policy,
                  oidc.hmacSecret(),
                  HMAC_SECRET_KEY,
                  "/spec/oidc/hmacSecret",
                  Names.oauth2Secret(policy.key(), "hmac"))
              .map(OAuth2SecretIr.class::cast);
    } else {
      hmac =
          clientSecret.map(
              from ->
                  new OAuth2SecretIr.Derived(
                      Names.oauth2Secret(policy.key(), "hmac"),
                      from,
                      "meshgate oauth2 hmac/"
                          + policy.key().namespace()
                          + "/"
                          + policy.key().name()));
    }
    if (metadata.isEmpty() || clientSecret.isEmpty() || hmac.isEmpty()) {
      return new Oidc.Broken(source);
    }
    Optional<JwtPolicies.Endpoint> token = JwtPolicies.endpoint(metadata.get().tokenEndpoint());
    if (token.isEmpty() || !token.get().tls()) {
      // Discovery only passes https URLs with a host; a port out of range is left.
      context.problem(
          policy,
          "/spec/oidc/issuer",
          ProblemReason.ISSUER_UNAVAILABLE,
          "the issuer's token endpoint '"
              + metadata.get().tokenEndpoint()
              + "' has no host Envoy can resolve or a port in 1..65535; the routes this policy"
              + " governs answer 500");
      return new Oidc.Broken(source);
    }
    JwtPolicies.Endpoint endpoint = token.get();
    String clusterName = Names.oidcCluster(endpoint.host(), endpoint.port());
    DnsClusterIr cluster =
        new DnsClusterIr(
            clusterName,
            endpoint.host(),
            endpoint.port(),
            // The client secret goes to the token endpoint: only to a host that proves its name
            // with a certificate the Envoy host trusts.
            new UpstreamTlsIr(endpoint.host(), null, List.of(endpoint.host()), List.of()),
            List.of(source));
    String redirectUri = oidc.redirectURL() == null ? DEFAULT_REDIRECT_URI : oidc.redirectURL();
    String redirectPath = redirectPath(oidc.redirectURL());
    Set<String> scopes = new LinkedHashSet<>();
    // OpenID Connect needs openid; the rest as configured, in order, once each.
    scopes.add("openid");
    scopes.addAll(oidc.scopes());
    return new Oidc.Required(
        new OAuth2Ir(
            Names.oauth2Filter(policy.key()),
            oidc.clientID(),
            metadata.get().authorizationEndpoint(),
            metadata.get().tokenEndpoint(),
            clusterName,
            redirectUri,
            redirectPath,
            oidc.logoutPath() == null ? DEFAULT_LOGOUT_PATH : oidc.logoutPath(),
            new ArrayList<>(scopes),
            cookies(policy.key(), oidc.cookieNames()),
            oidc.cookieDomain(),
            Boolean.TRUE.equals(oidc.forwardAccessToken()),
            clientSecret.get(),
            hmac.get(),
            source),
        cluster);
  }

  /**
   * The issuer's metadata as discovery has it: current, or the last good one with a Problem saying
   * the refresh fails; none (a Problem) when no document was ever fetched and checked.
   */
  private static Optional<IssuerMetadata> metadata(
      Context context, Resource policy, String issuer) {
    Discovery discovery = context.issuers.get(issuer);
    if (discovery instanceof Discovery.Current current) {
      return Optional.of(current.metadata());
    }
    if (discovery instanceof Discovery.Stale stale) {
      context.problem(
          policy,
          "/spec/oidc/issuer",
          ProblemReason.ISSUER_DISCOVERY_STALE,
          "refreshing the discovery document of "
              + issuer
              + " fails: "
              + stale.failure()
              + "; the last good discovery is in use and the login works");
      return Optional.of(stale.metadata());
    }
    Discovery.Missing missing = (Discovery.Missing) discovery;
    context.problem(
        policy,
        "/spec/oidc/issuer",
        ProblemReason.ISSUER_UNAVAILABLE,
        "issuer "
            + issuer
            + ": "
            + missing.failure()
            + "; the routes this policy governs answer 500 until a discovery document is fetched");
    return Optional.empty();
  }

  /** A sealed value of an Opaque Secret in the policy's namespace, opened in the key ring. */
  private static Optional<OAuth2SecretIr.FromSecret> secret(
      Context context, Resource policy, SecretRef ref, String defaultKey, String at, String name) {
    String key = ref.key() == null ? defaultKey : ref.key();
    String secretName = SealedSecrets.nameOf(policy, ref);
    Optional<KeyMaterial.Values> opened = SealedSecrets.open(context, policy, ref, at);
    if (opened.isEmpty()) {
      return Optional.empty();
    }
    KeyMaterial.Values values = opened.get();
    if (!values.values().containsKey(key)) {
      return refused(context, policy, at, secretName + " has no sealed value " + key);
    }
    if (values.values().get(key).length() == 0) {
      return refused(context, policy, at, secretName + ": " + key + " is empty");
    }
    return Optional.of(
        new OAuth2SecretIr.FromSecret(
            name, policy.metadata().namespace(), ref.name(), key, values.fingerprint()));
  }

  private static Optional<OAuth2SecretIr.FromSecret> refused(
      Context context, Resource policy, String at, String message) {
    context.problem(
        policy,
        at,
        ProblemReason.INVALID,
        message + "; the routes this policy governs answer 500 until it is fixed");
    return Optional.empty();
  }

  /** The redirect URL's path (config-store's validation holds it to a URL without a query). */
  private static String redirectPath(String redirectURL) {
    if (redirectURL == null) {
      return DEFAULT_REDIRECT_PATH;
    }
    String path = URI.create(redirectURL).getRawPath();
    return path == null || path.isEmpty() ? "/" : path;
  }

  /**
   * The cookie names: those set, and for the rest Envoy's names with a suffix of the policy's own,
   * so two policies on one host never read each other's cookies (an HMAC another policy signed
   * would fail, and the browser would be sent to log in again and again).
   */
  private static OAuth2Ir.Cookies cookies(ResourceKey policy, OidcCookieNames names) {
    String suffix = "-" + suffix(policy);
    String access = names == null ? null : names.accessToken();
    String id = names == null ? null : names.idToken();
    String refresh = names == null ? null : names.refreshToken();
    return new OAuth2Ir.Cookies(
        access != null ? access : "BearerToken" + suffix,
        id != null ? id : "IdToken" + suffix,
        refresh != null ? refresh : "RefreshToken" + suffix,
        "OauthHMAC" + suffix,
        "OauthExpires" + suffix,
        "OauthNonce" + suffix,
        "OauthCodeVerifier" + suffix);
  }

  /** The first 8 hex digits of SHA-256 over {@code namespace/name}. */
  private static String suffix(ResourceKey policy) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((policy.namespace() + "/" + policy.name()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
