package io.meshgate.xds.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/** Runs the CLI in-process with a given environment and config file, capturing its output. */
record CliRun(int exit, String out, String err) {
  static CliRun run(Map<String, String> environment, Path configFile, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Meshgate.commandLine(new ConfigDefaults(environment, configFile));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exit = commandLine.execute(args);
    return new CliRun(exit, out.toString(), err.toString());
  }

  static CliRun run(String... args) {
    return run(Map.of(), Path.of("/nonexistent/meshgate/config.yaml"), args);
  }
}
