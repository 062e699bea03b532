package io.meshgate.edge.ratelimit;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;

/** The length of a fixed window. Windows are aligned to the epoch: a minute starts at :00. */
public enum Unit {
  SECOND(1, RateLimitResponse.RateLimit.Unit.SECOND),
  MINUTE(60, RateLimitResponse.RateLimit.Unit.MINUTE),
  HOUR(3_600, RateLimitResponse.RateLimit.Unit.HOUR),
  DAY(86_400, RateLimitResponse.RateLimit.Unit.DAY);

  private final long seconds;
  private final RateLimitResponse.RateLimit.Unit envoy;

  Unit(long seconds, RateLimitResponse.RateLimit.Unit envoy) {
    this.seconds = seconds;
    this.envoy = envoy;
  }

  public long seconds() {
    return seconds;
  }

  RateLimitResponse.RateLimit.Unit envoy() {
    return envoy;
  }
}
