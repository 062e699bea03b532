package io.meshgate.xds.cli;

/** The CLI's standard output for tests outside this package: a command that must succeed. */
public final class CliOutput {
  private CliOutput() {}

  /**
   * Runs {@code meshgate ARGS} in-process, without environment or config file.
   *
   * @throws AssertionError if it exits with anything but 0, with its standard error
   */
  public static String of(String... args) {
    CliRun run = CliRun.run(args);
    if (run.exit() != 0) {
      throw new AssertionError(
          "meshgate " + String.join(" ", args) + " exited " + run.exit() + ": " + run.err());
    }
    return run.out();
  }
}
