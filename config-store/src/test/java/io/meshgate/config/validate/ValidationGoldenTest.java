package io.meshgate.config.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.codec.Document;
import io.meshgate.testkit.GoldenFiles;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every validation rule, as golden cases: each document of a case's input.yaml is validated and its
 * outcome written as text. Regenerate with {@code -Dgolden.update=true}.
 */
class ValidationGoldenTest {
  @TestFactory
  Stream<DynamicTest> everyCaseMatchesItsGoldenViolations() {
    return GoldenCases.all().stream()
        .map(
            caseDir ->
                DynamicTest.dynamicTest(
                    caseDir.getFileName().toString(),
                    () ->
                        GoldenFiles.assertMatches(
                            caseDir.resolve("violations.golden.txt"),
                            render(caseDir),
                            GoldenCases.MODULE)));
  }

  @Test
  void theValidCasesAreValidAndTheOthersAreNot() {
    for (Path caseDir : GoldenCases.all()) {
      boolean expectValid = caseDir.getFileName().toString().startsWith("valid-");
      String output = render(caseDir);
      assertThat(output.contains(" invalid ") || output.contains(" YAML error"))
          .as("case %s: %s", caseDir.getFileName(), output)
          .isEqualTo(!expectValid);
    }
  }

  static String render(Path caseDir) {
    StringBuilder out = new StringBuilder();
    for (Document document : GoldenCases.documents(caseDir)) {
      out.append('#').append(document.index());
      if (document.tree() == null) {
        out.append(" YAML error: ").append(document.parseError()).append('\n');
        continue;
      }
      Validation validation = ResourceValidator.get().validate(document.tree());
      if (validation instanceof Validation.Valid valid) {
        out.append(" valid ").append(valid.resource().key()).append('\n');
      } else if (validation instanceof Validation.Invalid invalid) {
        out.append(" invalid ")
            .append(invalid.subject() == null ? "(unnamed)" : invalid.subject())
            .append('\n');
        for (Violation violation : invalid.violations()) {
          out.append("  [")
              .append(violation.check().name().toLowerCase(java.util.Locale.ROOT))
              .append("] ")
              .append(violation)
              .append('\n');
        }
      }
    }
    return out.toString();
  }
}
