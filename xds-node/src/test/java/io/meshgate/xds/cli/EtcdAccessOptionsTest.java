package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd TLS and user settings reach every command that talks to etcd, before it connects. */
class EtcdAccessOptionsTest {
  @TempDir Path dir;

  private CliRun run(Map<String, String> env, String... args) {
    return CliRun.run(env, dir.resolve("no-config.yaml"), args);
  }

  @Test
  void everyCommandThatReachesEtcdTakesTheTlsAndUserFlags() {
    for (List<String> command :
        List.of(
            List.of("get"),
            List.of("status"),
            List.of("proxy-status"),
            List.of("proxy-config", "edge-1"),
            List.of("node"),
            List.of("seal"),
            List.of("seal-key", "create"),
            List.of("token", "create"),
            List.of("token", "rotate-key"))) {
      String[] args = Stream.concat(command.stream(), Stream.of("--help")).toArray(String[]::new);

      CliRun help = run(Map.of(), args);

      assertThat(help.out())
          .as(String.join(" ", command))
          .contains("--etcd-ca", "MESHGATE_ETCD_CA")
          .contains("--etcd-cert", "--etcd-key", "--etcd-user", "--etcd-password-file")
          .contains("MESHGATE_ETCD_PASSWORD_FILE");
    }
  }

  @Test
  void aCertificateWithoutAKeyFromTheEnvironmentFailsBeforeConnecting() {
    CliRun run =
        run(
            Map.of(
                "MESHGATE_ETCD",
                "https://127.0.0.1:1",
                "MESHGATE_ETCD_CERT",
                dir.resolve("client.crt").toString()),
            "get",
            "backend");

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.err()).contains("client.crt without a private key").contains("--etcd-key");
  }

  @Test
  void aUserWithoutAPasswordFileFromTheConfigFileFailsBeforeConnecting() throws Exception {
    Path config = dir.resolve("config.yaml");
    Files.writeString(config, "etcd: http://127.0.0.1:1\netcd-user: meshgate\n");

    CliRun run = CliRun.run(Map.of(), config, "history", "backend/echo");

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.err()).contains("etcd user meshgate without a password file");
  }
}
