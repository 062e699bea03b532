package io.meshgate.edge.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.meshgate.testkit.RedisServer;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A Redis that wants a password: an ACL user whose keys are limited to meshgate's prefix, and the
 * default user with {@code requirepass}. A wrong password fails by the limits' failure modes and
 * never reaches the log.
 */
class RedisAuthIT {
  private static final String USER_PASSWORD = "u5er-pa55word-7f3a";
  private static final String DEFAULT_PASSWORD = "defau1t-pa55word-91c2";

  @RegisterExtension
  static RedisServer redis =
      RedisServer.local(
          "--requirepass",
          DEFAULT_PASSWORD,
          "--user",
          "limiter",
          "on",
          ">" + USER_PASSWORD,
          "~meshgate:rl:*",
          "+@all");

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:10Z"));
  private final AtomicReference<RateLimitConfig> config =
      new AtomicReference<>(
          RateLimitConfig.of(
              DomainRules.of(
                  "gateway",
                  DescriptorRule.key("open").limit(Limit.of(2, Unit.MINUTE)),
                  DescriptorRule.key("closed").limit(Limit.of(2, Unit.MINUTE).failClosed()))));
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger serviceLog = (Logger) LoggerFactory.getLogger(RateLimitService.class);
  private Rls rls;

  @BeforeEach
  void captureLogs() {
    logs.start();
    serviceLog.addAppender(logs);
  }

  @AfterEach
  void stop() {
    serviceLog.detachAppender(logs);
    if (rls != null) {
      rls.close();
    }
  }

  @Test
  void anAclUserLimitedToMeshgatesKeysCounts() {
    rls =
        new Rls(
            RedisSettings.parse("redis://limiter:" + USER_PASSWORD + "@127.0.0.1:" + redis.port()),
            config,
            clock);

    RateLimitResponse first = rls.call(Rls.request("gateway", "closed", "a"));
    rls.call(Rls.request("gateway", "closed", "a"));
    RateLimitResponse third = rls.call(Rls.request("gateway", "closed", "a"));

    assertThat(first.getStatuses(0).getLimitRemaining()).isEqualTo(1);
    assertThat(third.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void thePasswordOfTheDefaultUserCounts() {
    rls =
        new Rls(
            RedisSettings.parse("redis://:" + DEFAULT_PASSWORD + "@127.0.0.1:" + redis.port()),
            config,
            clock);

    RateLimitResponse first = rls.call(Rls.request("gateway", "open", "b"));

    assertThat(first.getStatuses(0).hasCurrentLimit()).isTrue();
    assertThat(first.getStatuses(0).getLimitRemaining()).isEqualTo(1);
  }

  @Test
  void aWrongPasswordAnswersTheFailureModesAndNeverReachesTheLog() {
    String wrong = "wr0ng-pa55word-d41d";
    RedisSettings settings =
        RedisSettings.parse("redis://limiter:" + wrong + "@127.0.0.1:" + redis.port());
    rls = new Rls(settings, config, clock);

    RateLimitResponse open = rls.call(Rls.request("gateway", "open", "c"));
    RateLimitResponse closed = rls.call(Rls.request("gateway", "closed", "c"));

    assertThat(open.getOverallCode()).isEqualTo(Code.OK);
    assertThat(open.getStatuses(0).hasCurrentLimit()).isFalse();
    assertThat(closed.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(logs.list).isNotEmpty();
    assertThat(logs.list)
        .allSatisfy(
            event ->
                assertThat(event.getFormattedMessage())
                    .doesNotContain(wrong, USER_PASSWORD, DEFAULT_PASSWORD));
    assertThat(settings.toString()).doesNotContain(wrong);
  }
}
