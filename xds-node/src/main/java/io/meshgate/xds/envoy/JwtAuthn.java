package io.meshgate.xds.envoy;

import com.google.protobuf.Empty;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwksAsyncFetch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import io.meshgate.xds.ir.JwtAuthnIr;
import io.meshgate.xds.ir.JwtProviderIr;
import io.meshgate.xds.ir.JwtRequirementIr;

/**
 * JWT authentication ({@code envoy.filters.http.jwt_authn}): the providers and named requirements
 * in the connection manager's filter, and on each route that asks for one the requirement's name.
 *
 * <p>The filter has no {@code rules}: a route is checked only when its {@code
 * typed_per_filter_config} names a requirement ({@code requirement_name} in {@code
 * requirement_map}). Envoy documents that a route without per-route config falls back to {@code
 * rules}, and with none matching, the request passes unverified — so routes no SecurityPolicy
 * governs stay exactly as open as they were, without a {@code disabled: true} on each of them.
 */
final class JwtAuthn {
  static final String NAME = "envoy.filters.http.jwt_authn";

  /**
   * Where every provider writes a verified token's payload in the request's dynamic metadata (under
   * the filter's name): the RBAC filter on identity matches claims there.
   */
  static final String PAYLOAD_METADATA = "jwt_payload";

  /**
   * The claim that holds a token's scopes as one space-delimited string (RFC 8693 section 4.2),
   * written to the metadata as a list so that a scope is matched as a whole word.
   */
  static final String SCOPE_CLAIM = "scope";

  private JwtAuthn() {}

  static JwtAuthentication filter(JwtAuthnIr jwt) {
    JwtAuthentication.Builder config = JwtAuthentication.newBuilder();
    for (JwtProviderIr provider : jwt.providers()) {
      config.putProviders(provider.name(), provider(provider));
    }
    for (JwtRequirementIr requirement : jwt.requirements()) {
      config.putRequirementMap(requirement.name(), requirement(requirement));
    }
    return config.build();
  }

  /** The route's requirement, by the name the connection manager's filter holds it under. */
  static PerRouteConfig perRoute(JwtRequirementIr requirement) {
    return PerRouteConfig.newBuilder().setRequirementName(requirement.name()).build();
  }

  private static JwtProvider provider(JwtProviderIr provider) {
    JwtProvider.Builder builder =
        JwtProvider.newBuilder()
            .addAllAudiences(provider.audiences())
            .setForward(provider.forward())
            .setPayloadInMetadata(PAYLOAD_METADATA)
            .setNormalizePayloadInMetadata(
                JwtProvider.NormalizePayload.newBuilder().addSpaceDelimitedClaims(SCOPE_CLAIM));
    if (provider.localJwks() != null) {
      builder.setLocalJwks(DataSource.newBuilder().setInlineString(provider.localJwks()));
    } else {
      RemoteJwks.Builder jwks =
          RemoteJwks.newBuilder()
              .setHttpUri(
                  HttpUri.newBuilder()
                      .setUri(provider.jwksUri())
                      .setCluster(provider.jwksCluster())
                      .setTimeout(Durations.fromMillis(provider.jwksTimeoutMillis())))
              // Fetched when the listener starts, not by the first request; fast_listener: the
              // listener does not wait for it, so an issuer that is down never holds back a config
              // update (its routes answer 401 until the keys arrive).
              .setAsyncFetch(JwksAsyncFetch.newBuilder().setFastListener(true));
      if (provider.cacheDurationMillis() != null) {
        jwks.setCacheDuration(Durations.fromMillis(provider.cacheDurationMillis()));
      }
      builder.setRemoteJwks(jwks);
    }
    if (provider.issuer() != null) {
      builder.setIssuer(provider.issuer());
    }
    // Set only where the resolver found every route of the virtual host equal in the security that
    // runs before jwt_authn (ClaimRoutes): those filters ran on the route matched first.
    if (provider.recomputeRoute()) {
      builder.setClearRouteCache(true);
    }
    if (provider.clockSkewSeconds() != null) {
      builder.setClockSkewSeconds(provider.clockSkewSeconds());
    }
    if (provider.from() != null) {
      for (JwtProviderIr.HeaderSourceIr header : provider.from().headers()) {
        builder.addFromHeaders(
            JwtHeader.newBuilder().setName(header.name()).setValuePrefix(header.valuePrefix()));
      }
      builder.addAllFromParams(provider.from().params());
      builder.addAllFromCookies(provider.from().cookies());
    }
    for (JwtProviderIr.ClaimToHeaderIr claim : provider.claimToHeaders()) {
      builder.addClaimToHeaders(
          JwtClaimToHeader.newBuilder().setClaimName(claim.claim()).setHeaderName(claim.header()));
    }
    return builder.build();
  }

  /**
   * One provider by name; several as "any of" (Envoy's or-list takes two or more). With {@code
   * allowMissing}, {@code allow_missing} joins the or-list: a request without a token passes, one
   * whose token fails is refused. Not {@code allow_missing_or_failed}, which would pass a forged or
   * expired token on as if there were none.
   */
  private static JwtRequirement requirement(JwtRequirementIr requirement) {
    if (requirement.providers().size() == 1 && !requirement.allowMissing()) {
      return JwtRequirement.newBuilder().setProviderName(requirement.providers().get(0)).build();
    }
    JwtRequirementOrList.Builder any = JwtRequirementOrList.newBuilder();
    requirement
        .providers()
        .forEach(p -> any.addRequirements(JwtRequirement.newBuilder().setProviderName(p)));
    if (requirement.allowMissing()) {
      any.addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance()));
    }
    return JwtRequirement.newBuilder().setRequiresAny(any).build();
  }
}
