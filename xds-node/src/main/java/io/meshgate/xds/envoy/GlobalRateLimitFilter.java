package io.meshgate.xds.envoy;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.ratelimit.v3.RateLimitServiceConfig;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.meshgate.xds.ir.GlobalRateLimitIr;

/**
 * Envoy's {@code envoy.filters.http.ratelimit}, asking meshgate's rate limit service for the limits
 * of {@link GlobalRateLimits} on routes. There is one filter per failure mode, because Envoy's is
 * the filter's: a route's limits carry the stage of their policy's mode, and each filter only asks
 * for its own stage.
 */
final class GlobalRateLimitFilter {
  static final String FAIL_OPEN_NAME = "envoy.filters.http.ratelimit";
  static final String FAIL_CLOSED_NAME = "envoy.filters.http.ratelimit/fail-closed";

  /** Where the filters send their calls: the cluster resolve adds to groups that need it. */
  static final String CLUSTER = "meshgate/ratelimit";

  /**
   * Longer than the service's own Redis timeout (100 ms), so a slow Redis is answered by the
   * service in the policy's failure mode rather than by the filter's timeout.
   */
  private static final long TIMEOUT_MILLIS = 250;

  private GlobalRateLimitFilter() {}

  static String name(GlobalRateLimitIr.Stage stage) {
    return stage == GlobalRateLimitIr.Stage.FAIL_CLOSED ? FAIL_CLOSED_NAME : FAIL_OPEN_NAME;
  }

  /**
   * The filter of one stage. The limit state goes back as {@code x-ratelimit-limit}, {@code
   * -remaining} and {@code -reset}; a gRPC caller over its limit gets RESOURCE_EXHAUSTED; the
   * service unreachable answers 503 where the policy fails closed.
   */
  static RateLimit filter(GlobalRateLimitIr.Stage stage) {
    boolean closed = stage == GlobalRateLimitIr.Stage.FAIL_CLOSED;
    RateLimit.Builder filter =
        RateLimit.newBuilder()
            .setDomain(GlobalRateLimitIr.DOMAIN)
            .setStage(stage.number())
            .setTimeout(Durations.fromMillis(TIMEOUT_MILLIS))
            .setFailureModeDeny(closed)
            .setEnableXRatelimitHeaders(RateLimit.XRateLimitHeadersRFCVersion.DRAFT_VERSION_03)
            .setRateLimitedAsResourceExhausted(true)
            .setRateLimitService(
                RateLimitServiceConfig.newBuilder()
                    .setTransportApiVersion(ApiVersion.V3)
                    .setGrpcService(
                        GrpcService.newBuilder()
                            .setEnvoyGrpc(
                                GrpcService.EnvoyGrpc.newBuilder().setClusterName(CLUSTER))));
    if (closed) {
      filter.setStatusOnError(HttpStatus.newBuilder().setCode(StatusCode.ServiceUnavailable));
    }
    return filter.build();
  }
}
