package io.meshgate.xds.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code meshgate validate -f FILE|DIR|-}: the server's validation, offline. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Validates resources exactly as the server will, without publishing. Exit 0 when every"
          + " document is valid, 3 when any is not (each violation printed with file, document"
          + " index, JSON pointer and message)."
    })
final class ValidateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin InputFileOptions input;

  @Override
  public Integer call() {
    CheckedDocuments checked = input.read();
    checked.report(spec.commandLine().getOut(), true);
    return checked.allValid() ? Meshgate.EXIT_OK : Meshgate.EXIT_INVALID;
  }
}
