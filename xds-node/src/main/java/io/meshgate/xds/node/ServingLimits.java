package io.meshgate.xds.node;

import static java.util.Objects.requireNonNull;

import io.meshgate.xds.serve.StreamAdmission;
import java.time.Duration;

/**
 * How a replica protects itself and spreads proxies across replicas.
 *
 * @param newStreamsPerSecond new ADS streams taken per second; more are refused with UNAVAILABLE
 *     (default 1,000). Only streams whose proxy is authorized count.
 * @param maxStreams ADS streams open at once; more are refused with RESOURCE_EXHAUSTED (default
 *     20,000)
 * @param maxConnectionAge a proxy's connection is asked to go away (GOAWAY) after about this long,
 *     with grpc-java's ±10 % jitter, so proxies rebalance across replicas (default 30 min)
 * @param shutdownGrace how long a stopping replica waits, after GOAWAY, before it ends the streams
 *     still open (their proxies reconnect to another replica); also the grace after max age
 */
public record ServingLimits(
    int newStreamsPerSecond, int maxStreams, Duration maxConnectionAge, Duration shutdownGrace) {
  public static final ServingLimits DEFAULTS =
      new ServingLimits(
          StreamAdmission.DEFAULT_PER_SECOND,
          StreamAdmission.DEFAULT_MAX_STREAMS,
          Duration.ofMinutes(30),
          Duration.ofSeconds(5));

  public ServingLimits {
    requireNonNull(maxConnectionAge, "maxConnectionAge");
    requireNonNull(shutdownGrace, "shutdownGrace");
    if (newStreamsPerSecond < 1) {
      throw new IllegalArgumentException(
          "newStreamsPerSecond: " + newStreamsPerSecond + " (expected: >= 1)");
    }
    if (maxStreams < 1) {
      throw new IllegalArgumentException("maxStreams: " + maxStreams + " (expected: >= 1)");
    }
  }
}
