package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshgate node --waf-module-url --waf-module-sha256}: from the flags or
 * MESHGATE_WAF_MODULE_URL and MESHGATE_WAF_MODULE_SHA256, none by default, and never one without
 * the other.
 */
class NodeWafModuleTest {
  private static final String SHA256 = "ab".repeat(32);

  @TempDir Path dir;

  private NodeCommand parsedNode(Map<String, String> env, String... args) {
    var commandLine = Meshgate.commandLine(new ConfigDefaults(env, dir.resolve("none.yaml")));
    String[] all = new String[args.length + 1];
    all[0] = "node";
    System.arraycopy(args, 0, all, 1, args.length);
    return (NodeCommand) commandLine.parseArgs(all).subcommand().commandSpec().userObject();
  }

  @Test
  void theModuleComesFromTheEnvironmentOrTheFlagsAndIsNoneByDefault() {
    NodeCommand fromEnv =
        parsedNode(
            Map.of(
                "MESHGATE_WAF_MODULE_URL",
                "https://files.example.com/coraza.wasm",
                "MESHGATE_WAF_MODULE_SHA256",
                SHA256));
    NodeCommand fromFlags =
        parsedNode(
            Map.of(),
            "--waf-module-url",
            "http://10.0.0.5/coraza.wasm",
            "--waf-module-sha256",
            SHA256);
    NodeCommand byDefault = parsedNode(Map.of());

    assertThat(fromEnv.wafModuleUrl).isEqualTo("https://files.example.com/coraza.wasm");
    assertThat(fromEnv.wafModuleSha256).isEqualTo(SHA256);
    assertThat(fromFlags.wafModuleUrl).isEqualTo("http://10.0.0.5/coraza.wasm");
    assertThat(byDefault.wafModuleUrl).isNull();
    assertThat(byDefault.wafModuleSha256).isNull();
  }

  @Test
  void aUrlWithoutItsSha256IsAUsageErrorNamingBothSettings() {
    // when
    CliRun run =
        CliRun.run(
            "node",
            "--replica-id",
            "waf-test",
            "--xds-addr",
            "127.0.0.1:0",
            "--admin-addr",
            "127.0.0.1:0",
            "--waf-module-url",
            "https://files.example.com/coraza.wasm");

    // then
    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_USAGE);
    assertThat(run.err())
        .contains("MESHGATE_WAF_MODULE_URL")
        .contains("MESHGATE_WAF_MODULE_SHA256");
  }
}
