package io.meshgate.xds.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.OAuth2;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.OAuth2Config;
import io.envoyproxy.envoy.extensions.filters.http.oauth2.v3.OAuth2Credentials;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshgate.xds.ir.OAuth2Ir;
import io.meshgate.xds.ir.OAuth2SecretIr;
import io.meshgate.xds.keys.KeyRing;
import io.meshgate.xds.keys.SecretValue;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * OIDC login ({@code envoy.filters.http.oauth2}): one filter per SecurityPolicy, named {@code
 * envoy.filters.http.oauth2/<namespace>/<policy>}, in the chain of the connection managers whose
 * routes use it, {@code disabled: true}; the routes the policy governs enable it with an empty
 * {@code config.route.v3.FilterConfig} in their {@code typed_per_filter_config} (Envoy's "route
 * based filter chain": a filter disabled in the chain runs for a route whose per-filter config is a
 * {@code FilterConfig} that does not disable it). The oauth2 filter has no per-route config of its
 * own, so its whole config is in the chain, and a route of another policy (or none) never meets it.
 *
 * <p>The client secret and the cookies' HMAC key reach Envoy only as SDS Secrets ({@code
 * generic_secret}) named in {@code token_secret} and {@code hmac_secret}, by ADS; their values are
 * read from the key ring here, never from the IR.
 */
final class OidcLogin {
  /** How long a call to the token endpoint may take. */
  private static final long TOKEN_TIMEOUT_MILLIS = 5_000;

  private OidcLogin() {}

  static OAuth2 filter(OAuth2Ir login) {
    OAuth2Ir.Cookies cookies = login.cookies();
    OAuth2Credentials.Builder credentials =
        OAuth2Credentials.newBuilder()
            .setClientId(login.clientId())
            .setTokenSecret(sds(login.clientSecret().name()))
            .setHmacSecret(sds(login.hmacSecret().name()))
            .setCookieNames(
                OAuth2Credentials.CookieNames.newBuilder()
                    .setBearerToken(cookies.bearerToken())
                    .setIdToken(cookies.idToken())
                    .setRefreshToken(cookies.refreshToken())
                    .setOauthHmac(cookies.hmac())
                    .setOauthExpires(cookies.expires())
                    .setOauthNonce(cookies.nonce())
                    .setCodeVerifier(cookies.codeVerifier()));
    if (login.cookieDomain() != null) {
      credentials.setCookieDomain(login.cookieDomain());
    }
    OAuth2Config config =
        OAuth2Config.newBuilder()
            .setTokenEndpoint(
                HttpUri.newBuilder()
                    .setUri(login.tokenEndpoint())
                    .setCluster(login.tokenCluster())
                    .setTimeout(Durations.fromMillis(TOKEN_TIMEOUT_MILLIS)))
            .setAuthorizationEndpoint(login.authorizationEndpoint())
            .setCredentials(credentials)
            .setRedirectUri(login.redirectUri())
            .setRedirectPathMatcher(exact(login.redirectPath()))
            .setSignoutPath(exact(login.signoutPath()))
            .setForwardBearerToken(login.forwardAccessToken())
            .addAllAuthScopes(login.scopes())
            .build();
    return OAuth2.newBuilder().setConfig(config).build();
  }

  /**
   * A route's switch that turns its policy's filter on: a {@code FilterConfig} without {@code
   * config} and not {@code disabled}. The filter has no per-route config of its own to put there.
   */
  static Any enabled() {
    return Any.pack(FilterConfig.getDefaultInstance());
  }

  /**
   * The Secret of a client secret or HMAC key, with its value from the ring; empty when the ring
   * does not hold it (resolve has reported that, and the filter's routes answer 500).
   */
  static Optional<Secret> secret(OAuth2SecretIr secret, KeyRing keys) {
    return value(secret, keys)
        .map(
            bytes ->
                Secret.newBuilder()
                    .setName(secret.name())
                    .setGenericSecret(
                        GenericSecret.newBuilder()
                            .setSecret(
                                DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(bytes))))
                    .build());
  }

  private static Optional<byte[]> value(OAuth2SecretIr secret, KeyRing keys) {
    if (secret instanceof OAuth2SecretIr.FromSecret from) {
      return opened(from, keys).map(SecretValue::bytes);
    }
    OAuth2SecretIr.Derived derived = (OAuth2SecretIr.Derived) secret;
    return opened(derived.from(), keys).map(key -> hmacSha256(key.bytes(), derived.context()));
  }

  private static Optional<SecretValue> opened(OAuth2SecretIr.FromSecret from, KeyRing keys) {
    return keys.values(from.namespace(), from.secretName(), from.fingerprint())
        .map(values -> values.values().get(from.key()));
  }

  /**
   * HMAC-SHA256(key, context): a key that every replica derives alike from the client secret, and
   * that says nothing of the client secret itself.
   */
  static byte[] hmacSha256(byte[] key, String context) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(context.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ConfigSources.ADS).build();
  }

  private static PathMatcher exact(String path) {
    return PathMatcher.newBuilder().setPath(StringMatcher.newBuilder().setExact(path)).build();
  }
}
