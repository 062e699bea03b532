package io.meshgate.xds.cli;

import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code -f} and {@code -R}: the config files a command reads, checked as {@code validate} does.
 */
final class InputFileOptions {
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

  /** The documents of the files (standard input for {@code -}), each validated. */
  CheckedDocuments read() {
    return CheckedDocuments.check(InputFiles.read(files, recursive, System.in));
  }
}
