package io.meshgate.edge.ratelimit;

import static io.meshgate.edge.ratelimit.Rls.descriptor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.meshgate.testkit.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis killed under a running service, and started again on the same port: the failure modes
 * answer, the service's health says NOT_SERVING, and both recover by themselves.
 */
class RedisOutageIT {
  @RegisterExtension static RedisServer redis = RedisServer.local();

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:10Z"));
  private final AtomicReference<RateLimitConfig> config =
      new AtomicReference<>(
          RateLimitConfig.of(
              DomainRules.of(
                  "gateway",
                  DescriptorRule.key("open").limit(Limit.of(2, Unit.MINUTE)),
                  DescriptorRule.key("closed").limit(Limit.of(2, Unit.MINUTE).failClosed()))));
  private Rls rls;

  @AfterEach
  void stop() {
    if (rls != null) {
      rls.close();
    }
    redis.start();
  }

  private static RateLimitRequest both(String value) {
    return RateLimitRequest.newBuilder()
        .setDomain("gateway")
        .addDescriptors(descriptor("open", value))
        .addDescriptors(descriptor("closed", value))
        .build();
  }

  @Test
  void redisDownAnswersEachLimitsFailureModeAndCountingResumesWhenItIsBack() {
    // given: counting works
    rls = new Rls(redis, config, clock);
    RateLimitResponse before = rls.call(both("a"));
    assertThat(before.getOverallCode()).isEqualTo(Code.OK);
    assertThat(before.getStatuses(0).getLimitRemaining()).isEqualTo(1);
    assertThat(rls.health()).isEqualTo(ServingStatus.SERVING);

    // when: Redis dies
    redis.kill();
    RateLimitResponse down = rls.call(both("a"));
    RateLimitResponse openAlone = rls.call(Rls.request("gateway", "open", "a"));

    // then: fail open passes without x-ratelimit numbers; fail closed refuses until the window ends
    assertThat(down.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(down.getStatuses(0).getCode()).isEqualTo(Code.OK);
    assertThat(down.getStatuses(0).hasCurrentLimit()).isFalse();
    assertThat(down.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(down.getStatuses(1).getLimitRemaining()).isZero();
    assertThat(down.getStatuses(1).getDurationUntilReset().getSeconds()).isEqualTo(50);
    assertThat(openAlone.getOverallCode()).isEqualTo(Code.OK);
    // and its health says so, for Envoy's health checks and operators
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(rls.health()).isEqualTo(ServingStatus.NOT_SERVING));

    // when: Redis is back on the same port, empty (no persistence) and without the script
    redis.start();

    // then: Lettuce reconnects and counting resumes from zero (through EVAL: the new Redis has
    // no cached script, so EVALSHA answers NOSCRIPT first)
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(rls.call(both("probe")).getStatuses(1).getCode()).isEqualTo(Code.OK));
    RateLimitResponse first = rls.call(both("b"));
    RateLimitResponse second = rls.call(both("b"));
    RateLimitResponse third = rls.call(both("b"));
    assertThat(first.getStatuses(0).getLimitRemaining()).isEqualTo(1);
    assertThat(first.getStatuses(0).hasCurrentLimit()).isTrue();
    assertThat(second.getOverallCode()).isEqualTo(Code.OK);
    assertThat(third.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(third.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(rls.health()).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void aServiceStartedWhileRedisIsDownConnectsWhenRedisComesUp() {
    // given
    redis.kill();
    rls = new Rls(redis, config, clock);

    // when
    RateLimitResponse down = rls.call(both("c"));
    redis.start();

    // then
    assertThat(down.getStatuses(0).getCode()).isEqualTo(Code.OK);
    assertThat(down.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(rls.call(both("d")).getStatuses(0).hasCurrentLimit()).isTrue());
  }
}
