package io.meshgate.xds.ir;

/**
 * What SecurityPolicies ask of a route, in the order of the filter chain that enforces it: the
 * client addresses allowed, the OIDC login ({@code oauth2}: the name of the connection manager's
 * filter to enable on the route), the API keys and basic-auth users it takes, the JWT a request
 * must carry, who may call (authorization), the external authorization, and the CORS policy; the
 * WAF (which runs right after the client-address rules), and the HMAC message signatures meshgate's
 * signature service verifies. Null parts are unset; a route that asks nothing has no
 * RouteSecurityIr at all.
 */
public record RouteSecurityIr(
    CorsIr cors,
    IpAccessIr ipAccess,
    String oauth2,
    ApiKeyAuthIr apiKeyAuth,
    BasicAuthIr basicAuth,
    JwtRequirementIr jwt,
    AuthorizationIr authorization,
    ExtAuthRouteIr extAuth,
    WafRouteIr waf,
    HmacIr hmac) {

  /** Without a WAF or HMAC signatures. */
  public RouteSecurityIr(
      CorsIr cors,
      IpAccessIr ipAccess,
      String oauth2,
      ApiKeyAuthIr apiKeyAuth,
      BasicAuthIr basicAuth,
      JwtRequirementIr jwt,
      AuthorizationIr authorization,
      ExtAuthRouteIr extAuth) {
    this(cors, ipAccess, oauth2, apiKeyAuth, basicAuth, jwt, authorization, extAuth, null, null);
  }

  /** Null when every part is unset: a route without security carries none. */
  public static RouteSecurityIr orNull(
      CorsIr cors,
      IpAccessIr ipAccess,
      String oauth2,
      ApiKeyAuthIr apiKeyAuth,
      BasicAuthIr basicAuth,
      JwtRequirementIr jwt,
      AuthorizationIr authorization,
      ExtAuthRouteIr extAuth) {
    return orNull(
        cors, ipAccess, oauth2, apiKeyAuth, basicAuth, jwt, authorization, extAuth, null, null);
  }

  /** Null when every part is unset, with a WAF and HMAC signatures. */
  public static RouteSecurityIr orNull(
      CorsIr cors,
      IpAccessIr ipAccess,
      String oauth2,
      ApiKeyAuthIr apiKeyAuth,
      BasicAuthIr basicAuth,
      JwtRequirementIr jwt,
      AuthorizationIr authorization,
      ExtAuthRouteIr extAuth,
      WafRouteIr waf,
      HmacIr hmac) {
    RouteSecurityIr security =
        new RouteSecurityIr(
            cors, ipAccess, oauth2, apiKeyAuth, basicAuth, jwt, authorization, extAuth, waf, hmac);
    return security.equals(NONE) ? null : security;
  }

  private static final RouteSecurityIr NONE =
      new RouteSecurityIr(null, null, null, null, null, null, null, null, null, null);

  /** The same, without API keys or basic-auth users (for a route that carries none). */
  public RouteSecurityIr withoutCredentials() {
    return new RouteSecurityIr(
        cors, ipAccess, oauth2, null, null, jwt, authorization, extAuth, waf, hmac);
  }
}
