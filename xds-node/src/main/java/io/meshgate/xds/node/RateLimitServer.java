package io.meshgate.xds.node;

import io.meshgate.edge.ratelimit.RateLimitConfig;
import io.meshgate.edge.ratelimit.RateLimitService;
import io.meshgate.edge.ratelimit.RedisCounters;
import io.meshgate.edge.ratelimit.RequestBounds;
import io.meshgate.edge.ratelimit.RlsServer;
import io.meshgate.xds.edge.RateLimitRules;
import io.meshgate.xds.pipeline.Pipeline;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rate limit service a node runs, fed by its pipeline: every build's resolved config becomes
 * the service's rules ({@link RateLimitRules}), so the limits a replica's Envoys ask for are the
 * limits its service knows. Until the first build it knows none and answers OK.
 */
final class RateLimitServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RateLimitServer.class);

  private final AtomicReference<RateLimitConfig> config =
      new AtomicReference<>(RateLimitConfig.empty());
  private final RedisCounters counters;
  private final RlsServer server;

  private RateLimitServer(RateLimitSettings settings, Pipeline pipeline) {
    this.counters = RedisCounters.connect(settings.redis().orElseThrow());
    pipeline.onBuilt(
        (snapshot, resolved, outside) -> {
          try {
            config.set(RateLimitRules.of(resolved));
          } catch (IllegalArgumentException e) {
            // Validation refuses what would make rules the service cannot hold; should one slip
            // through, the service keeps the rules it has rather than stopping the build.
            log.error("rate limit rules not updated, the previous ones stay: {}", e.getMessage());
          }
        });
    this.server =
        RlsServer.start(
            settings.serve().orElseThrow(),
            new RateLimitService(config::get, counters, Clock.systemUTC(), RequestBounds.DEFAULTS),
            counters::connected);
    log.info(
        "rate limit service on {}, counters in {}",
        settings.serve().orElseThrow(),
        counters.settings());
  }

  /** Started when the settings serve one; empty otherwise. */
  static Optional<RateLimitServer> start(RateLimitSettings settings, Pipeline pipeline) {
    return settings.serve().isPresent()
        ? Optional.of(new RateLimitServer(settings, pipeline))
        : Optional.empty();
  }

  /** The rules in force. */
  RateLimitConfig config() {
    return config.get();
  }

  int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
    counters.close();
  }
}
