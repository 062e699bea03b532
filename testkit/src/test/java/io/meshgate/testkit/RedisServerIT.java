package io.meshgate.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RedisServerIT {
  @Test
  void redisDiesWithATestJvmKilledBySigkill() throws Exception {
    // given: a JVM that started a redis-server and holds it
    Process jvm =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                RedisHolder.class.getName())
            .redirectErrorStream(true)
            .start();
    long pid = -1;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), UTF_8));
      StringBuilder seen = new StringBuilder();
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        seen.append(line).append('\n');
        if (line.startsWith("pid ")) {
          pid = Long.parseLong(line.substring(4));
          break;
        }
      }
      assertThat(pid).as("the holder's output: %s", seen).isPositive();
      assertThat(alive(pid)).isTrue();

      // when: the JVM is killed with SIGKILL, so no shutdown hook or afterAll runs
      jvm.destroyForcibly();
      assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();

      // then: its redis-server dies too
      long redis = pid;
      await().atMost(Duration.ofSeconds(10)).until(() -> !alive(redis));
    } finally {
      jvm.destroyForcibly();
      if (pid > 0) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  @Test
  void aKilledServerComesBackEmptyOnItsPort() {
    try (RedisServer redis = RedisServer.local().start()) {
      long first = redis.pid().orElseThrow();

      redis.kill();
      assertThat(redis.pid()).isEmpty();
      redis.start();

      assertThat(redis.answersPing()).isTrue();
      assertThat(redis.pid().orElseThrow()).isNotEqualTo(first);
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
