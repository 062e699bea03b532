package io.meshgate.xds.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

  @Option(
      names = {"-f", "--filename"},
      required = true,
      description =
          "A file, a directory of *.yaml/*.yml/*.json, or - for standard input. Repeatable.")
  List<String> files;

  @Option(
      names = {"-R", "--recursive"},
      description = "Read directories recursively.")
  boolean recursive;

  @Override
  public Integer call() {
    CheckedDocuments checked = CheckedDocuments.check(InputFiles.read(files, recursive, System.in));
    checked.report(spec.commandLine().getOut(), true);
    return checked.allValid() ? Meshgate.EXIT_OK : Meshgate.EXIT_INVALID;
  }
}
