package io.meshgate.edge.ratelimit;

import static io.meshgate.edge.ratelimit.Rls.descriptor;
import static io.meshgate.edge.ratelimit.Rls.descriptorWithAddend;
import static io.meshgate.edge.ratelimit.Rls.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.meshgate.testkit.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The service against a real redis-server, called by a real gRPC client over a real port. */
class RateLimitServiceIT {
  @RegisterExtension static RedisServer redis = RedisServer.local();

  private static RedisClient inspector;
  private static StatefulRedisConnection<String, String> inspection;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:10Z"));
  private final AtomicReference<RateLimitConfig> config =
      new AtomicReference<>(RateLimitConfig.empty());
  private final List<Rls> services = new ArrayList<>();

  @BeforeAll
  static void connectInspector() {
    inspector = RedisClient.create(redis.uri());
    inspection = inspector.connect();
  }

  @AfterAll
  static void closeInspector() {
    inspection.close();
    inspector.shutdown();
  }

  @BeforeEach
  void emptyRedis() {
    inspection.sync().flushall();
  }

  @AfterEach
  void stopServices() {
    services.forEach(Rls::close);
  }

  private Rls rls() {
    Rls rls = new Rls(redis, config, clock);
    services.add(rls);
    return rls;
  }

  private void limits(DescriptorRule... rules) {
    config.set(RateLimitConfig.of(DomainRules.of("gateway", rules)));
  }

  @Test
  void twoInstancesSharingRedisEnforceOneLimitTogether() {
    // given
    limits(DescriptorRule.key("remote_address").limit(Limit.of(5, Unit.MINUTE)));
    Rls first = rls();
    Rls second = rls();
    RateLimitRequest request = request("gateway", "remote_address", "10.0.0.7");

    // when: five calls alternate between the instances
    List<Code> codes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      codes.add((i % 2 == 0 ? first : second).call(request).getOverallCode());
    }

    // then: the sixth is over the limit on either instance
    assertThat(codes).containsOnly(Code.OK);
    RateLimitResponse sixth = second.call(request);
    assertThat(sixth.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(sixth.getStatuses(0).getLimitRemaining()).isZero();
    assertThat(first.call(request).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void theCountResetsAtTheWindowBoundaryAndNotBefore() {
    // given: 3 a minute, the clock at 10:00:10
    limits(DescriptorRule.key("remote_address").limit(Limit.of(3, Unit.MINUTE)));
    Rls rls = rls();
    RateLimitRequest request = request("gateway", "remote_address", "10.0.0.7");

    // when
    DescriptorStatus first = rls.call(request).getStatuses(0);
    rls.call(request);
    rls.call(request);
    RateLimitResponse fourth = rls.call(request);
    clock.set(Instant.parse("2026-12-07T10:00:59.999Z"));
    RateLimitResponse lastMillisecond = rls.call(request);
    clock.set(Instant.parse("2026-12-07T10:01:00Z"));
    RateLimitResponse nextWindow = rls.call(request);

    // then
    assertThat(first.getCode()).isEqualTo(Code.OK);
    assertThat(first.getCurrentLimit().getRequestsPerUnit()).isEqualTo(3);
    assertThat(first.getCurrentLimit().getUnit())
        .isEqualTo(RateLimitResponse.RateLimit.Unit.MINUTE);
    assertThat(first.getLimitRemaining()).isEqualTo(2);
    assertThat(first.getDurationUntilReset().getSeconds()).isEqualTo(50);
    assertThat(fourth.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(lastMillisecond.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(lastMillisecond.getStatuses(0).getDurationUntilReset().getNanos())
        .isEqualTo(1_000_000);
    assertThat(nextWindow.getOverallCode()).isEqualTo(Code.OK);
    assertThat(nextWindow.getStatuses(0).getLimitRemaining()).isEqualTo(2);
    assertThat(nextWindow.getStatuses(0).getDurationUntilReset().getSeconds()).isEqualTo(60);
  }

  @Test
  void keyAndValueBeatsKeyOnlyAndAnUnmatchedDescriptorIsOkWithoutALimit() {
    // given
    limits(
        DescriptorRule.key("client").limit(Limit.of(100, Unit.HOUR)),
        DescriptorRule.key("client").value("bot").limit(Limit.of(1, Unit.HOUR)));
    Rls rls = rls();

    // when
    RateLimitResponse response =
        rls.call(
            RateLimitRequest.newBuilder()
                .setDomain("gateway")
                .addDescriptors(descriptor("client", "bot"))
                .addDescriptors(descriptor("client", "alice"))
                .addDescriptors(descriptor("path", "/orders"))
                .build());

    // then
    assertThat(response.getStatusesList())
        .extracting(
            s -> s.getCurrentLimit().getRequestsPerUnit(), DescriptorStatus::getLimitRemaining)
        .containsExactly(tuple(1, 0), tuple(100, 99), tuple(0, 0));
    assertThat(response.getStatuses(2).hasCurrentLimit()).isFalse();
    assertThat(response.getOverallCode()).isEqualTo(Code.OK);
    assertThat(rls.call(request("gateway", "client", "bot")).getOverallCode())
        .isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void aNestedDescriptorLimitsEachCombinationOnItsOwn() {
    // given: 2 a second per client and path
    limits(
        DescriptorRule.key("remote_address")
            .nest(DescriptorRule.key("path").limit(Limit.of(2, Unit.SECOND))));
    Rls rls = rls();
    RateLimitRequest ordersA = request("gateway", "remote_address", "10.0.0.1", "path", "/orders");

    // when
    rls.call(ordersA);
    rls.call(ordersA);
    RateLimitResponse third = rls.call(ordersA);
    RateLimitResponse otherPath =
        rls.call(request("gateway", "remote_address", "10.0.0.1", "path", "/users"));
    RateLimitResponse otherClient =
        rls.call(request("gateway", "remote_address", "10.0.0.2", "path", "/orders"));
    RateLimitResponse clientAlone = rls.call(request("gateway", "remote_address", "10.0.0.1"));

    // then
    assertThat(third.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(otherPath.getStatuses(0).getLimitRemaining()).isEqualTo(1);
    assertThat(otherClient.getStatuses(0).getLimitRemaining()).isEqualTo(1);
    assertThat(clientAlone.getOverallCode()).isEqualTo(Code.OK);
    assertThat(clientAlone.getStatuses(0).hasCurrentLimit()).isFalse();
  }

  @Test
  void hitsAddendCountsThatManyHitsAndADescriptorsOwnAddendWins() {
    // given
    limits(DescriptorRule.key("api_key").limit(Limit.of(5, Unit.MINUTE)));
    Rls rls = rls();

    // when
    RateLimitResponse three =
        rls.call(request("gateway", "api_key", "k1").toBuilder().setHitsAddend(3).build());
    RateLimitResponse readOnly =
        rls.call(
            RateLimitRequest.newBuilder()
                .setDomain("gateway")
                .setHitsAddend(3)
                .addDescriptors(descriptorWithAddend(0, "api_key", "k1"))
                .build());
    RateLimitResponse threeMore =
        rls.call(request("gateway", "api_key", "k1").toBuilder().setHitsAddend(3).build());

    // then
    assertThat(three.getStatuses(0).getLimitRemaining()).isEqualTo(2);
    assertThat(readOnly.getStatuses(0).getLimitRemaining()).isEqualTo(2);
    assertThat(readOnly.getOverallCode()).isEqualTo(Code.OK);
    assertThat(threeMore.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(threeMore.getStatuses(0).getLimitRemaining()).isZero();
  }

  @Test
  void aShadowLimitCountsButNeverRefuses() {
    limits(DescriptorRule.key("remote_address").limit(Limit.of(1, Unit.MINUTE).shadow()));
    Rls rls = rls();
    RateLimitRequest request = request("gateway", "remote_address", "10.0.0.7");

    rls.call(request);
    RateLimitResponse second = rls.call(request);

    assertThat(second.getOverallCode()).isEqualTo(Code.OK);
    assertThat(second.getStatuses(0).getLimitRemaining()).isZero();
    assertThat(second.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(1);
  }

  @Test
  void anOversizedRequestIsInvalidArgumentAndCountsNothing() {
    // given
    limits(DescriptorRule.key("header").limit(Limit.of(10, Unit.MINUTE)));
    Rls rls = rls();
    RateLimitRequest.Builder manyDescriptors = RateLimitRequest.newBuilder().setDomain("gateway");
    for (int i = 0; i < 17; i++) {
      manyDescriptors.addDescriptors(descriptor("header", "v" + i));
    }
    String longValue = "x".repeat(65_537);

    // then
    assertThatThrownBy(() -> rls.call(manyDescriptors.build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("descriptors: 17 (expected: at most 16)");
            });
    assertThatThrownBy(() -> rls.call(request("gateway", "header", longValue)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getDescription())
                    .isEqualTo(
                        "descriptors[0].entries[0].value: 65537 characters (expected: at most"
                            + " 65536)"));
    assertThatThrownBy(() -> rls.call(RateLimitRequest.newBuilder().setDomain("gateway").build()))
        .hasMessageContaining("INVALID_ARGUMENT: descriptors: must not be empty");
    assertThat(inspection.sync().dbsize()).isZero();
  }

  @Test
  void aLongHeaderValueIsCountedNotRefusedSoItCannotEscapeAFailOpenLimit() {
    // given
    limits(DescriptorRule.key("header").limit(Limit.of(1, Unit.HOUR)));
    Rls rls = rls();
    String longValue = "y".repeat(60_000);

    // then
    assertThat(rls.call(request("gateway", "header", longValue)).getOverallCode())
        .isEqualTo(Code.OK);
    assertThat(rls.call(request("gateway", "header", longValue)).getOverallCode())
        .isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void redisKeysAreHashesThatExpireWithTheirWindow() {
    // given
    limits(
        DescriptorRule.key("user").limit(Limit.of(10, Unit.MINUTE)),
        DescriptorRule.key("path").limit(Limit.of(10, Unit.HOUR)));
    Rls rls = rls();

    // when
    rls.call(
        RateLimitRequest.newBuilder()
            .setDomain("gateway")
            .addDescriptors(descriptor("user", "alice@example.com"))
            .addDescriptors(descriptor("path", "/accounts/12345"))
            .build());

    // then
    RedisCommands<String, String> sync = inspection.sync();
    List<String> keys = sync.scan(ScanArgs.Builder.matches("*").limit(1000)).getKeys();
    assertThat(keys)
        .hasSize(2)
        .allSatisfy(
            key ->
                assertThat(key)
                    .matches("meshgate:rl:[0-9a-f]{32}")
                    .doesNotContain("alice", "accounts", "12345", "user", "path", "gateway"));
    assertThat(keys.stream().map(sync::ttl).sorted().toList())
        .satisfiesExactly(
            minute -> assertThat(minute).isBetween(1L, 61L),
            hour -> assertThat(hour).isBetween(62L, 3_601L));
    assertThat(keys.stream().map(sync::get).toList()).containsOnly("1");
  }

  @Test
  void aNewConfigAppliesFromTheNextRequest() {
    limits(DescriptorRule.key("remote_address").limit(Limit.of(100, Unit.MINUTE)));
    Rls rls = rls();
    RateLimitRequest request = request("gateway", "remote_address", "10.0.0.7");
    assertThat(rls.call(request).getStatuses(0).getLimitRemaining()).isEqualTo(99);

    limits(DescriptorRule.key("remote_address").limit(Limit.of(1, Unit.MINUTE)));

    assertThat(rls.call(request).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(
            Duration.ofSeconds(
                rls.call(request).getStatuses(0).getDurationUntilReset().getSeconds()))
        .isEqualTo(Duration.ofSeconds(50));
  }
}
