package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meshgate node --admin-token-file}: from the flag or MESHGATE_ADMIN_TOKEN_FILE. */
class NodeAdminTokenTest {
  @TempDir Path dir;

  private NodeCommand parsedNode(Map<String, String> env, String... args) {
    var commandLine = Meshgate.commandLine(new ConfigDefaults(env, dir.resolve("none.yaml")));
    String[] all = new String[args.length + 1];
    all[0] = "node";
    System.arraycopy(args, 0, all, 1, args.length);
    return (NodeCommand) commandLine.parseArgs(all).subcommand().commandSpec().userObject();
  }

  @Test
  void theTokenFileComesFromTheEnvironmentOrTheFlagAndIsNoneByDefault() {
    NodeCommand fromEnv =
        parsedNode(Map.of("MESHGATE_ADMIN_TOKEN_FILE", "/etc/meshgate/admin-token"));
    NodeCommand fromFlag = parsedNode(Map.of(), "--admin-token-file", "/run/secrets/admin");
    NodeCommand byDefault = parsedNode(Map.of());

    assertThat(fromEnv.adminTokenFile).isEqualTo(Path.of("/etc/meshgate/admin-token"));
    assertThat(fromFlag.adminTokenFile).isEqualTo(Path.of("/run/secrets/admin"));
    assertThat(byDefault.adminTokenFile).isNull();
  }

  @Test
  void aNodeWithItsCsdsPortOffLoopbackAndNoTokenFileExits1NamingTheSetting() {
    // when
    CliRun run =
        CliRun.run(
            "node",
            "--replica-id",
            "admin-grpc-test",
            "--xds-addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0",
            "--admin-grpc-addr",
            "0.0.0.0:0");

    // then
    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.err())
        .contains("admin gRPC address")
        .contains("--admin-token-file")
        .contains("MESHGATE_ADMIN_GRPC_ADDR=off");
  }

  @Test
  void theCsdsAddressAndTheAdvertisedAdminComeFromTheEnvironmentOrTheFlags() {
    NodeCommand fromEnv =
        parsedNode(
            Map.of(
                "MESHGATE_ADMIN_GRPC_ADDR", "off", "MESHGATE_ADMIN_ADVERTISE", "10.0.0.5:19000"));
    NodeCommand byDefault = parsedNode(Map.of());

    assertThat(fromEnv.adminGrpcAddress).isEqualTo("off");
    assertThat(fromEnv.adminAdvertise).isEqualTo("10.0.0.5:19000");
    assertThat(byDefault.adminGrpcAddress).as("derived from --admin-addr").isNull();
    assertThat(byDefault.adminAdvertise).isNull();
  }

  @Test
  void aNodeWithItsAdminPortOffLoopbackAndNoTokenFileExits1NamingTheSetting() {
    // when
    CliRun run =
        CliRun.run(
            "node",
            "--replica-id",
            "admin-test",
            "--xds-addr",
            "127.0.0.1:0",
            "--admin-addr",
            "0.0.0.0:0");

    // then
    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_RUNTIME_ERROR);
    assertThat(run.err())
        .contains("admin address")
        .contains("--admin-token-file")
        .contains("MESHGATE_ADMIN_TOKEN_FILE");
  }
}
