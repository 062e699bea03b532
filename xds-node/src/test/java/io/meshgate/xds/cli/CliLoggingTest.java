package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.ParseResult;

class CliLoggingTest {
  private static ParseResult parse(String commandLine) {
    return Meshgate.commandLine().parseArgs(commandLine.split(" "));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "apply -f x.yaml",
        "get backend -A",
        "status backend/api",
        "token create --group g",
        "mesh-ca status",
        "seal-key create --out keys",
        "validate -f x.yaml"
      })
  void commandsRunOnceHideLibraryLogs(String commandLine) {
    assertThat(CliLogging.quiet(parse(commandLine))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "apply -v -f x.yaml",
        "get backend -A --verbose",
        "-v get backend -A",
        "token create -v --group g",
        "node",
        "standalone"
      })
  void verboseAndTheServicesKeepLibraryLogs(String commandLine) {
    assertThat(CliLogging.quiet(parse(commandLine))).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"PT10S, 10s", "PT1.5S, 1500ms", "PT2M, 2m", "PT1H, 1h", "PT90S, 90s"})
  void theTimeoutIsWrittenAsOnTheCommandLine(Duration timeout, String text) {
    assertThat(Reachability.text(timeout)).isEqualTo(text);
  }
}
