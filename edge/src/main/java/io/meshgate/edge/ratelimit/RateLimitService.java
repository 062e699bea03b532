package io.meshgate.edge.ratelimit;

import static java.util.Objects.requireNonNull;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshgate.edge.ratelimit.Decisions.Increment;
import io.meshgate.edge.ratelimit.Decisions.Planned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit}: checks the request's bounds,
 * plans its counters from the current config, increments them in Redis in one round trip and
 * answers. Threading: a call is answered on Lettuce's event loop when Redis replies (or on the
 * timeout thread); nothing blocks a gRPC thread.
 */
public final class RateLimitService extends RateLimitServiceGrpc.RateLimitServiceImplBase {
  /** Redis failures log one WARN per this interval at most. */
  static final Duration WARNING_INTERVAL = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(RateLimitService.class);

  private final Supplier<RateLimitConfig> config;
  private final RedisCounters counters;
  private final Clock clock;
  private final RequestBounds bounds;
  private final ThrottledWarning redisWarning;

  public RateLimitService(
      Supplier<RateLimitConfig> config, RedisCounters counters, Clock clock, RequestBounds bounds) {
    this.config = requireNonNull(config, "config");
    this.counters = requireNonNull(counters, "counters");
    this.clock = requireNonNull(clock, "clock");
    this.bounds = requireNonNull(bounds, "bounds");
    this.redisWarning = new ThrottledWarning(log, clock, WARNING_INTERVAL);
  }

  @Override
  public void shouldRateLimit(
      RateLimitRequest request, StreamObserver<RateLimitResponse> responseObserver) {
    Optional<String> violation = bounds.violation(request);
    if (violation.isPresent()) {
      responseObserver.onError(
          Status.INVALID_ARGUMENT.withDescription(violation.get()).asRuntimeException());
      return;
    }
    Instant now = clock.instant();
    List<Planned> plan = Decisions.plan(config.get(), request, now);
    List<Increment> increments = Decisions.increments(plan);
    if (increments.isEmpty()) {
      respond(responseObserver, Decisions.answer(plan, List.of(), now));
      return;
    }
    counters
        .increment(increments)
        .whenComplete(
            (counts, error) -> {
              try {
                if (error != null) {
                  redisWarning.warn(
                      "Redis at "
                          + counters.settings().host()
                          + ":"
                          + counters.settings().port()
                          + " did not count ("
                          + RedisConnection.describe(error)
                          + "); each limit's failure mode answers");
                  respond(responseObserver, Decisions.answerUnavailable(plan, now));
                } else {
                  respond(responseObserver, Decisions.answer(plan, counts, now));
                }
              } catch (RuntimeException e) {
                log.error("rate limit answer failed", e);
                responseObserver.onError(
                    Status.INTERNAL
                        .withDescription("rate limit answer failed")
                        .asRuntimeException());
              }
            });
  }

  private static void respond(
      StreamObserver<RateLimitResponse> observer, RateLimitResponse response) {
    observer.onNext(response);
    observer.onCompleted();
  }
}
