package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MeshgateTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine commandLine = Meshgate.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  @Test
  void versionPrintsTheBuiltVersion() {
    int exit = run("--version");

    assertThat(exit).isZero();
    assertThat(out.toString().trim()).isEqualTo("meshgate " + VersionProvider.version());
    assertThat(VersionProvider.version()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @Test
  void unknownCommandIsAUsageError() {
    int exit = run("frobnicate");

    assertThat(exit).isEqualTo(Meshgate.EXIT_USAGE);
    assertThat(err.toString()).contains("frobnicate");
  }

  @Test
  void noCommandIsAUsageError() {
    int exit = run();

    assertThat(exit).isEqualTo(Meshgate.EXIT_USAGE);
    assertThat(err.toString()).contains("a command is required");
  }
}
