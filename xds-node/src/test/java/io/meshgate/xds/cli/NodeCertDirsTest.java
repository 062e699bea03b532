package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code meshgate node --cert-dirs}: from the flag or MESHGATE_CERT_DIRS; none by default. */
class NodeCertDirsTest {
  @TempDir Path dir;

  private NodeCommand parsedNode(Map<String, String> env, String... args) {
    var commandLine = Meshgate.commandLine(new ConfigDefaults(env, dir.resolve("none.yaml")));
    String[] all = new String[args.length + 1];
    all[0] = "node";
    System.arraycopy(args, 0, all, 1, args.length);
    return (NodeCommand) commandLine.parseArgs(all).subcommand().commandSpec().userObject();
  }

  @Test
  void certDirsComeFromTheEnvironmentOrTheFlagAndAreNoneByDefault() {
    // given
    Map<String, String> env =
        Map.of(
            "MESHGATE_CERT_DIRS", "/etc/meshgate/certs,/srv/certs",
            "MESHGATE_CERT_DIRS_PER_NAMESPACE", "true");

    // when
    NodeCommand fromEnv = parsedNode(env);
    NodeCommand fromFlag = parsedNode(Map.of(), "--cert-dirs", "/etc/meshgate/certs");
    NodeCommand byDefault = parsedNode(Map.of());

    // then
    assertThat(fromEnv.certificateDirs().dirs())
        .containsExactly(Path.of("/etc/meshgate/certs"), Path.of("/srv/certs"));
    assertThat(fromEnv.certificateDirs())
        .hasToString("cert dirs [/etc/meshgate/certs, /srv/certs] per namespace");
    assertThat(fromFlag.certificateDirs()).hasToString("cert dirs [/etc/meshgate/certs]");
    assertThat(byDefault.certificateDirs().isEmpty()).isTrue();
    assertThat(byDefault.certificateDirs().dirs()).isEqualTo(List.of());
  }

  @Test
  void aRelativeCertDirIsRefused() {
    NodeCommand relative = parsedNode(Map.of(), "--cert-dirs", "certs");

    assertThatThrownBy(relative::certificateDirs)
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--cert-dirs: certs (expected: absolute directories)");
  }
}
