package io.meshgate.xds.envoy;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.BufferSettings;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.CheckSettings;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.meshgate.xds.ir.HmacIr;
import io.meshgate.xds.ir.HmacServiceIr;

/**
 * HMAC message signatures (RFC 9421), verified by meshgate's own signature service through Envoy's
 * external authorization filter: one {@code ext_authz} filter, {@value #FILTER}, in the chains of
 * route tables where a route demands signatures, disabled; each such route turns it on with {@code
 * check_settings} that name its policy ({@value #POLICY_EXTENSION} = {@code <namespace>/<policy>})
 * and buffer the body up to the policy's {@code maxBodyBytes} (a larger body is answered 413, since
 * a signature over part of a body proves nothing). The service is reached through the STATIC
 * cluster {@code meshgate/authz}, HTTP/2, on loopback.
 */
final class HmacSignatures {
  /** A name no user's external authorization service can take (theirs have a '/'). */
  static final String FILTER = ExternalAuth.NAME + "/meshgate-hmac";

  /** The context extension the service reads the policy from. */
  static final String POLICY_EXTENSION = "meshgate-hmac-policy";

  /**
   * The service answers from memory and one Redis command (itself bounded at 100 ms): past a second
   * it is not coming.
   */
  static final long TIMEOUT_MILLIS = 1_000;

  /** A connection on loopback is made at once or not at all. */
  private HmacSignatures() {}

  static ExtAuthz filter(HmacServiceIr service) {
    return ExtAuthz.newBuilder()
        .setStatPrefix("meshgate_hmac")
        .setGrpcService(
            GrpcService.newBuilder()
                .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(service.cluster()))
                .setTimeout(Durations.fromMillis(TIMEOUT_MILLIS)))
        .setTransportApiVersion(ApiVersion.V3)
        // Each value of a repeated header apart, as the signature base joins them (", ").
        .setEncodeRawHeaders(true)
        // The service unreachable is an outage, never a pass: no signature was verified. 503, as
        // for other authorization services, tells a client to retry.
        .setStatusOnError(HttpStatus.newBuilder().setCode(StatusCode.ServiceUnavailable))
        .build();
  }

  /** Turns the route's check on, naming its policy, with its body bound. */
  static ExtAuthzPerRoute perRoute(HmacIr hmac) {
    CheckSettings.Builder settings =
        CheckSettings.newBuilder().putContextExtensions(POLICY_EXTENSION, hmac.name());
    if (hmac.maxBodyBytes() > 0) {
      settings.setWithRequestBody(
          BufferSettings.newBuilder()
              .setMaxRequestBytes(hmac.maxBodyBytes())
              .setAllowPartialMessage(false)
              .setPackAsBytes(true));
    } else {
      settings.setDisableRequestBodyBuffering(true);
    }
    return ExtAuthzPerRoute.newBuilder().setCheckSettings(settings).build();
  }

  /** The STATIC cluster to the service, HTTP/2 (gRPC). */
  static Cluster cluster(HmacServiceIr service) {
    return Clusters.edgeService(service.cluster(), service.address(), service.port());
  }
}
