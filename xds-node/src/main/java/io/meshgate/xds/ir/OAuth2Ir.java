package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * One OIDC login (the authorization code flow) in an HTTP connection manager: Envoy's {@code
 * oauth2} filter named {@code name}, enabled on the routes whose policy asks for it.
 *
 * @param name the filter's name, {@code envoy.filters.http.oauth2/<namespace>/<policy>}
 * @param tokenCluster the DNS cluster the token endpoint is called through
 * @param redirectUri sent to the provider; may hold Envoy's {@code %REQ(...)%} formatters
 * @param redirectPath the path of the redirect URI, which Envoy takes as the provider's callback
 * @param signoutPath a request for it clears the session's cookies
 * @param scopes asked for, {@code openid} first
 * @param cookieDomain null: the request's host only
 */
public record OAuth2Ir(
    String name,
    String clientId,
    String authorizationEndpoint,
    String tokenEndpoint,
    String tokenCluster,
    String redirectUri,
    String redirectPath,
    String signoutPath,
    List<String> scopes,
    Cookies cookies,
    String cookieDomain,
    boolean forwardAccessToken,
    OAuth2SecretIr clientSecret,
    OAuth2SecretIr hmacSecret,
    SourceRef policy) {
  public OAuth2Ir {
    requireNonNull(name, "name");
    requireNonNull(clientId, "clientId");
    requireNonNull(authorizationEndpoint, "authorizationEndpoint");
    requireNonNull(tokenEndpoint, "tokenEndpoint");
    requireNonNull(tokenCluster, "tokenCluster");
    requireNonNull(redirectUri, "redirectUri");
    requireNonNull(redirectPath, "redirectPath");
    requireNonNull(signoutPath, "signoutPath");
    scopes = Lists.copy(scopes);
    requireNonNull(cookies, "cookies");
    requireNonNull(clientSecret, "clientSecret");
    requireNonNull(hmacSecret, "hmacSecret");
    requireNonNull(policy, "policy");
  }

  /** The names of the cookies the filter sets and reads. */
  public record Cookies(
      String bearerToken,
      String idToken,
      String refreshToken,
      String hmac,
      String expires,
      String nonce,
      String codeVerifier) {
    public Cookies {
      requireNonNull(bearerToken, "bearerToken");
      requireNonNull(idToken, "idToken");
      requireNonNull(refreshToken, "refreshToken");
      requireNonNull(hmac, "hmac");
      requireNonNull(expires, "expires");
      requireNonNull(nonce, "nonce");
      requireNonNull(codeVerifier, "codeVerifier");
    }
  }
}
