package io.meshgate.xds.envoy;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationResponse;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.CheckSettings;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.meshgate.xds.ir.ExtAuthIr;
import java.util.List;

/**
 * External authorization ({@code envoy.filters.http.ext_authz}): one filter per service a
 * listener's routes are checked by, named {@code
 * envoy.filters.http.ext_authz/<namespace>/<policy>}, in the chain with {@code disabled: true};
 * each route the policy governs turns its filter on with an {@code ExtAuthzPerRoute} (Envoy enables
 * a filter that is disabled by default on a route whose {@code typed_per_filter_config} holds a
 * config for it). The service lives in the filter's own config, so unlike CORS or the address rules
 * one filter cannot serve every route; disabled by default, no route is checked by a service it did
 * not ask for, and a route whose policy says {@code disabled: true} simply names none.
 */
final class ExternalAuth {
  static final String NAME = "envoy.filters.http.ext_authz";

  /**
   * Where jwt_authn writes a verified token's payload (every provider has {@code
   * payload_in_metadata: jwt_payload}), for a gRPC service to decide on identity: the check's
   * {@code metadata_context} carries it under this namespace.
   */
  static final String JWT_METADATA = JwtAuthn.NAME;

  private ExternalAuth() {}

  /** The filter's name in a chain and in a route's {@code typed_per_filter_config}. */
  static String filterName(String service) {
    return NAME + "/" + service;
  }

  static ExtAuthz filter(ExtAuthIr service) {
    ExtAuthz.Builder config =
        ExtAuthz.newBuilder()
            .setStatPrefix(service.name().replace('/', '_'))
            // The service failing (unreachable, timed out, 5xx) is an outage, not a denial: 503
            // tells a client to retry and shows up in 5xx alerts; Envoy's default 403 would hide
            // it among real refusals.
            .setStatusOnError(HttpStatus.newBuilder().setCode(StatusCode.ServiceUnavailable));
    if (service.failOpen()) {
      config.setFailureModeAllow(true).setFailureModeAllowHeaderAdd(true);
    }
    if (!service.headersToService().isEmpty()) {
      config.setAllowedHeaders(exactly(service.headersToService()));
    }
    if (service.protocol() == ExtAuthIr.Protocol.GRPC) {
      config
          .setGrpcService(
              GrpcService.newBuilder()
                  .setEnvoyGrpc(
                      GrpcService.EnvoyGrpc.newBuilder().setClusterName(service.cluster()))
                  .setTimeout(Durations.fromMillis(service.timeoutMillis())))
          .setTransportApiVersion(ApiVersion.V3)
          .addMetadataContextNamespaces(JWT_METADATA);
    } else {
      HttpService.Builder http =
          HttpService.newBuilder()
              .setServerUri(
                  HttpUri.newBuilder()
                      .setUri(
                          "http://"
                              + service.authority()
                              + (service.pathPrefix() == null ? "" : service.pathPrefix()))
                      .setCluster(service.cluster())
                      .setTimeout(Durations.fromMillis(service.timeoutMillis())));
      if (service.pathPrefix() != null) {
        http.setPathPrefix(service.pathPrefix());
      }
      if (!service.headersToUpstream().isEmpty()) {
        http.setAuthorizationResponse(
            AuthorizationResponse.newBuilder()
                .setAllowedUpstreamHeaders(exactly(service.headersToUpstream())));
      }
      config.setHttpService(http);
    }
    return config.build();
  }

  /** Turns the route's filter on; the check itself is the filter's. */
  static ExtAuthzPerRoute perRoute() {
    return ExtAuthzPerRoute.newBuilder()
        .setCheckSettings(CheckSettings.getDefaultInstance())
        .build();
  }

  /** Header names, already lower-case as Envoy holds them, each matched exactly. */
  private static ListStringMatcher exactly(List<String> names) {
    ListStringMatcher.Builder list = ListStringMatcher.newBuilder();
    names.forEach(n -> list.addPatterns(StringMatcher.newBuilder().setExact(n)));
    return list.build();
  }
}
