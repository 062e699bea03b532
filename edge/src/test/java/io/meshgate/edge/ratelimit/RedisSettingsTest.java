package io.meshgate.edge.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisSettingsTest {
  @Test
  void withoutTheVariableItIsLocalRedisWithAHundredMillisecondTimeout() {
    RedisSettings settings = RedisSettings.fromEnvironment(Map.of());

    assertThat(settings.transport()).isEqualTo(RedisSettings.Transport.PLAIN);
    assertThat(settings.host()).isEqualTo("127.0.0.1");
    assertThat(settings.port()).isEqualTo(6379);
    assertThat(settings.hasPassword()).isFalse();
    assertThat(settings.commandTimeout()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void anAclUserOverTlsWithACaFileAndTheirPasswordNeverShows() {
    RedisSettings settings =
        RedisSettings.fromEnvironment(
            Map.of(
                "MESHGATE_REDIS", "rediss://limiter:s3cr%40t@redis.internal:6380/2",
                "MESHGATE_REDIS_CA", "/etc/meshgate/redis-ca.pem"));

    assertThat(settings.transport()).isEqualTo(RedisSettings.Transport.TLS);
    assertThat(settings.username()).contains("limiter");
    assertThat(settings.password()).isEqualTo("s3cr@t");
    assertThat(settings.port()).isEqualTo(6380);
    assertThat(settings.database()).isEqualTo(2);
    assertThat(settings.caFile()).contains(Path.of("/etc/meshgate/redis-ca.pem"));
    assertThat(settings)
        .hasToString("rediss://limiter:***@redis.internal:6380/2 (CA /etc/meshgate/redis-ca.pem)");
  }

  @Test
  void aPasswordWithoutAUserIsRedisDefaultUser() {
    RedisSettings settings = RedisSettings.parse("redis://:hunter2@127.0.0.1");

    assertThat(settings.username()).isEmpty();
    assertThat(settings.password()).isEqualTo("hunter2");
    assertThat(settings.toString()).isEqualTo("redis://:***@127.0.0.1:6379/0");
  }

  @Test
  void aBadUriIsRefusedWithoutEchoingThePassword() {
    assertThatThrownBy(() -> RedisSettings.parse("http://u:hunter2@127.0.0.1:6379"))
        .hasMessage("MESHGATE_REDIS: scheme 'http' (expected: redis or rediss)");
    assertThatThrownBy(() -> RedisSettings.parse("redis://u:hunter2@127.0.0.1:6379/x y"))
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> RedisSettings.parse("redis://u:hunter2@127.0.0.1:6379/db"))
        .hasMessage("MESHGATE_REDIS: database 'db' (expected: a number, like /0)");
  }
}
