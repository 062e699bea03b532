package io.meshgate.edge.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.meshgate.testkit.RedisServer;
import io.meshgate.testkit.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss://} to a redis-server that speaks TLS only, trusting the CA in MESHGATE_REDIS_CA.
 */
class RedisTlsIT {
  private static final Path PKI_DIR = tempDir();
  private static final TestPki PKI = TestPki.create(PKI_DIR);
  private static final TestPki.Issued SERVER = PKI.server("redis", "127.0.0.1", "localhost");

  @RegisterExtension
  static RedisServer redis =
      RedisServer.localTls(SERVER.certificate(), SERVER.privateKey(), PKI.caCertificate());

  private final AtomicReference<RateLimitConfig> config =
      new AtomicReference<>(
          RateLimitConfig.of(
              DomainRules.of(
                  "gateway",
                  DescriptorRule.key("closed").limit(Limit.of(1, Unit.MINUTE).failClosed()))));
  private Rls rls;

  @AfterEach
  void stop() {
    if (rls != null) {
      rls.close();
    }
  }

  @AfterAll
  static void removePki() throws IOException {
    try (Stream<Path> files = Files.walk(PKI_DIR)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    }
  }

  @Test
  void countsOverTlsWithTheCaFromTheEnvironment() {
    RedisSettings settings =
        RedisSettings.fromEnvironment(
            Map.of(
                "MESHGATE_REDIS", redis.uri(),
                "MESHGATE_REDIS_CA", PKI.caCertificate().toString()));
    rls = new Rls(settings, config, new ManualClock(Instant.parse("2026-12-07T10:00:10Z")));

    RateLimitResponse first = rls.call(Rls.request("gateway", "closed", "a"));
    RateLimitResponse second = rls.call(Rls.request("gateway", "closed", "a"));

    assertThat(settings.transport()).isEqualTo(RedisSettings.Transport.TLS);
    assertThat(first.getOverallCode()).isEqualTo(Code.OK);
    assertThat(first.getStatuses(0).getLimitRemaining()).isZero();
    assertThat(second.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(second.getStatuses(0).getDurationUntilReset().getSeconds()).isEqualTo(50);
  }

  @Test
  void aServerTheCaDoesNotVouchForIsNotTrusted(@TempDir Path dir) {
    // given: a CA of its own, not the one that issued Redis' certificate
    TestPki stranger = TestPki.create(dir);
    RedisSettings settings = RedisSettings.parse(redis.uri()).withCaFile(stranger.caCertificate());
    rls = new Rls(settings, config, new ManualClock(Instant.parse("2026-12-07T10:00:10Z")));

    // when
    RateLimitResponse response = rls.call(Rls.request("gateway", "closed", "b"));

    // then: no counting happened, so the fail-closed limit refuses
    assertThat(response.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(response.getStatuses(0).getLimitRemaining()).isZero();
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("meshgate-redis-tls");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
