package io.meshgate.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TetherIT {
  @Test
  void etcdMembersDieWithAJvmKilledBySigkill() throws Exception {
    // given: a JVM that started a 3-member etcd and holds it
    Process jvm =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                EtcdHolder.class.getName())
            .redirectErrorStream(true)
            .start();
    List<Long> pids = new ArrayList<>();
    Path dataDir = null;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), UTF_8));
      List<String> seen = new ArrayList<>();
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        seen.add(line);
        if (line.startsWith("pid ")) {
          pids.add(Long.parseLong(line.substring(4)));
        } else if (line.startsWith("data-dir ")) {
          dataDir = Path.of(line.substring(9));
        } else if (line.equals("ready")) {
          break;
        }
      }
      assertThat(pids).as("the holder's output: %s", seen).hasSize(3);
      assertThat(pids).allMatch(TetherIT::alive);

      // when: the JVM is killed with SIGKILL, so no shutdown hook runs
      jvm.destroyForcibly();
      assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(jvm.exitValue()).isEqualTo(137);

      // then: its etcd members die too
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(pids).noneMatch(TetherIT::alive));
    } finally {
      jvm.destroyForcibly();
      pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      if (dataDir != null) {
        Directories.deleteRecursively(dataDir);
      }
    }
  }

  @Test
  void theProcessIsTheChildItselfAndSigtermReachesIt() throws Exception {
    // given
    Process sleep = Tether.start(new ProcessBuilder("sleep", "600"));
    try {
      // then: the pid is sleep's own, not a wrapper's
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> sleep.info().command().orElse(""), command -> command.endsWith("/sleep"));

      // when
      sleep.destroy();

      // then: killed by SIGTERM (128 + 15), not by a wrapper's exit status
      assertThat(sleep.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(sleep.exitValue()).isEqualTo(143);
    } finally {
      sleep.destroyForcibly();
    }
  }

  @Test
  void destroyLetsTheChildStopInItsOwnTime() throws Exception {
    // given: a child that takes a while over SIGTERM and then exits with 7
    Process child =
        Tether.start(
            new ProcessBuilder(
                "sh", "-c", "trap 'sleep 1; exit 7' TERM; echo up; while :; do sleep 0.1; done"));
    try {
      assertThat(
              new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8)).readLine())
          .isEqualTo("up");

      // when
      child.destroy();

      // then: it ran its own stop to the end; the watchdog did not kill it (that would be 137)
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).isEqualTo(7);
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aChildEndedOnPurposeTakesItsWatchdogWithIt() throws Exception {
    // given: a tethered child and its watchdog
    Process sleep = Tether.start(new ProcessBuilder("sleep", "600"));
    try {
      ProcessHandle watchdog =
          await()
              .atMost(Duration.ofSeconds(5))
              .until(() -> sleep.children().findFirst(), Optional::isPresent)
              .orElseThrow();
      assertThat(watchdog.info().command().orElse("")).endsWith("sh");

      // when
      sleep.destroyForcibly();
      assertThat(sleep.waitFor(10, TimeUnit.SECONDS)).isTrue();

      // then: the watchdog ends too
      await().atMost(Duration.ofSeconds(10)).until(() -> !watchdog.isAlive());
    } finally {
      sleep.destroyForcibly();
    }
  }

  @Test
  void aChildReadingItsInputSeesEndOfFile() throws Exception {
    // given: cat copies its input to its output until end of file
    Process cat = Tether.start(new ProcessBuilder("cat"));
    try {
      // then: its input is /dev/null, so it ends at once and says nothing
      assertThat(cat.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(cat.exitValue()).isZero();
      assertThat(new String(cat.getInputStream().readAllBytes(), UTF_8)).isEmpty();
    } finally {
      cat.destroyForcibly();
    }
  }

  @Test
  void aBuilderThatRedirectsTheInputIsRefused() {
    ProcessBuilder builder =
        new ProcessBuilder("sleep", "1").redirectInput(ProcessBuilder.Redirect.INHERIT);

    assertThatThrownBy(() -> Tether.start(builder))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redirectInput: INHERIT (expected: PIPE; the tether holds the child's input)");
  }

  @Test
  void theBuilderIsLeftAsItWasGiven() throws Exception {
    ProcessBuilder builder = new ProcessBuilder("true");

    Process process = Tether.start(builder);

    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(builder.command()).containsExactly("true");
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
