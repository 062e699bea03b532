package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** OpenID Connect login: browsers without a session are sent to the issuer. */
@Doc("OpenID Connect login: browsers without a session are sent to the issuer.")
public record OidcAuth(
    @Required
        @Pattern(value = Patterns.HTTPS_URL, maxLength = 1024)
        @Doc(
            "The provider; meshgate reads <issuer>/.well-known/openid-configuration and uses its"
                + " endpoints.")
        String issuer,
    @Required @Size(min = 1, max = 256) String clientID,
    @Required @Doc("Key default: client-secret.") SecretRef clientSecret,
    @Pattern(value = Patterns.HTTP_URL, maxLength = 1024)
        @Doc(
            "Where the provider sends the browser back, without a query. Unset: the request's own"
                + " scheme and host with /oauth2/callback.")
        String redirectURL,
    @Size(max = 16)
        @Pattern(value = OidcAuth.SCOPE, maxLength = 128)
        @Doc("Asked for besides openid, which is always asked for.")
        List<String> scopes,
    @Doc(
            "Key default: hmac-secret. Signs the session cookies. Unset: derived from the client"
                + " secret and the policy's namespace and name, the same on every replica.")
        SecretRef hmacSecret,
    @Doc("Cookie names. Unset: Envoy's names with a suffix of the policy's own.")
        OidcCookieNames cookieNames,
    @Pattern(value = Patterns.NAME, maxLength = 253)
        @Doc("The domain the cookies are set for (unset: the request's host only).")
        String cookieDomain,
    @Pattern(value = Patterns.PATH, maxLength = 1024)
        @Doc("A request for this path clears the session cookies. Default: /logout.")
        String logoutPath,
    @Doc(
            "Sends the access token upstream as Authorization: Bearer (a jwt policy can verify"
                + " it). Default: false.")
        Boolean forwardAccessToken) {
  /** An OAuth 2.0 scope token (RFC 6749 §3.3): printable ASCII but space, quote and backslash. */
  public static final String SCOPE = "^[!#-\\[\\]-~]+$";

  public OidcAuth {
    requireNonNull(issuer, "issuer");
    requireNonNull(clientID, "clientID");
    requireNonNull(clientSecret, "clientSecret");
    scopes = Copies.list(scopes);
  }
}
