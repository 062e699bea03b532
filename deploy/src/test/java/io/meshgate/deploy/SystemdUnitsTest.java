package io.meshgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The units in systemd/: systemd accepts them, and the node's runs confined. */
class SystemdUnitsTest {
  private static final Path UNITS = Path.of("systemd");
  private static final List<String> UNIT_NAMES =
      List.of("meshgate-node.service", "meshgate-register.service", "envoy-gateway.service");

  @TempDir Path dir;

  /** The settings of one section, last value wins (as systemd reads a unit, minus resets). */
  private static Map<String, String> section(Path unit, String name) throws IOException {
    Map<String, String> settings = new LinkedHashMap<>();
    String current = "";
    for (String line : Files.readAllLines(unit)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
        current = trimmed.substring(1, trimmed.length() - 1);
      } else if (current.equals(name) && !trimmed.startsWith("#") && trimmed.contains("=")) {
        int equals = trimmed.indexOf('=');
        settings.put(trimmed.substring(0, equals), trimmed.substring(equals + 1));
      }
    }
    return settings;
  }

  private static boolean onPath(String binary) {
    for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, binary))) {
        return true;
      }
    }
    return false;
  }

  private Path executable(String relative) throws IOException {
    Path file = dir.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  @Test
  void systemdAnalyzeVerifyAcceptsEveryUnitWithoutAWarning() throws Exception {
    assumeTrue(
        onPath("systemd-analyze"),
        "systemd-analyze is not on the PATH (Debian: apt-get install systemd); the units are not"
            + " verified");
    // given: the units as installed, with the archive and Envoy at paths that exist here
    // (verify refuses an ExecStart= whose binary is missing)
    Path meshgate = executable("opt/meshgate/bin/meshgate");
    Path envoy = executable("usr/bin/envoy");
    List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify"));
    for (String name : UNIT_NAMES) {
      String unit =
          Files.readString(UNITS.resolve(name))
              .replace("/opt/meshgate/bin/meshgate", meshgate.toString())
              .replace("/usr/bin/envoy", envoy.toString());
      Path copy = dir.resolve(name);
      Files.writeString(copy, unit);
      command.add(copy.toString());
    }

    // when
    Process verify = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(verify.waitFor(60, TimeUnit.SECONDS)).as("systemd-analyze verify returns").isTrue();

    // then: verify exits 0 even for an unknown key, so its warnings count too
    assertThat(output).as("systemd-analyze verify's output").isEmpty();
    assertThat(verify.exitValue()).isZero();
  }

  @Test
  void nodeUnitRunsUnprivilegedWithTheHardeningTheIssueAsksFor() throws IOException {
    // given
    Map<String, String> service = section(UNITS.resolve("meshgate-node.service"), "Service");

    // then
    assertThat(service)
        .containsEntry("User", "meshgate")
        .containsEntry("StateDirectory", "meshgate")
        .containsEntry("EnvironmentFile", "/etc/meshgate/node.env")
        .containsEntry("ProtectSystem", "strict")
        .containsEntry("ProtectHome", "true")
        .containsEntry("PrivateTmp", "true")
        .containsEntry("NoNewPrivileges", "true")
        .containsEntry("CapabilityBoundingSet", "")
        .containsEntry("AmbientCapabilities", "")
        .containsEntry("Restart", "on-failure")
        .containsEntry("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK")
        .doesNotContainKey("MemoryDenyWriteExecute");
    assertThat(service.get("ExecStart")).startsWith("/opt/meshgate/bin/meshgate node");
  }

  @Test
  void gatewayUnitStartsEnvoyOnTheBootstrapMeshgateWrote() throws IOException {
    // given
    Map<String, String> service = section(UNITS.resolve("envoy-gateway.service"), "Service");

    // then
    assertThat(service.get("ExecStartPre"))
        .contains("/opt/meshgate/bin/meshgate bootstrap --gateway")
        .endsWith("> %t/envoy-gateway/bootstrap.yaml'");
    assertThat(service.get("ExecStart"))
        .startsWith("/usr/bin/envoy --config-path %t/envoy-gateway/bootstrap.yaml");
    assertThat(service)
        .containsEntry("User", "meshgate")
        .containsEntry("RuntimeDirectory", "envoy-gateway")
        .containsEntry("EnvironmentFile", "/etc/meshgate/envoy-gateway.env")
        .containsEntry("NoNewPrivileges", "true")
        .containsEntry("CapabilityBoundingSet", "CAP_NET_BIND_SERVICE")
        .containsEntry("ProtectSystem", "strict");
  }
}
