package io.meshgate.config.validate;

import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.testkit.GoldenFiles;
import java.nio.file.Path;
import java.util.List;

/** The validation golden cases: {@code <case>/input.yaml} beside {@code violations.golden.txt}. */
final class GoldenCases {
  static final Path ROOT = Path.of("src/test/resources/golden/validate");
  static final String MODULE = "config-store";

  private GoldenCases() {}

  static List<Path> all() {
    return GoldenFiles.cases(ROOT);
  }

  static List<Document> documents(Path caseDir) {
    return YamlDocuments.read("input.yaml", GoldenFiles.read(caseDir.resolve("input.yaml")));
  }

  /** Every document of the valid-* cases. */
  static List<Document> validDocuments() {
    return all().stream()
        .filter(c -> c.getFileName().toString().startsWith("valid-"))
        .flatMap(c -> documents(c).stream())
        .toList();
  }
}
