package io.meshgate.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.testkit.GoldenFiles;
import io.meshgate.xds.ir.Problem;
import io.meshgate.xds.ir.ResolvedIr;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * resolve golden cases: {@code golden/resolve/<case>/input.yaml} (resources) → {@code ir.yaml} (the
 * IR of every group) and {@code problems.txt}. Regenerate with {@code -Dgolden.update=true}.
 */
class ResolveGoldenTest {
  static final Path ROOT = Path.of("src/test/resources/golden/resolve");

  @TestFactory
  Stream<DynamicTest> everyCaseMatchesItsGoldenIr() {
    return GoldenFiles.cases(ROOT).stream()
        .map(
            dir ->
                DynamicTest.dynamicTest(
                    dir.getFileName().toString(),
                    () -> {
                      ResolvedIr ir = Cases.resolve(GoldenFiles.read(dir.resolve("input.yaml")));
                      String irYaml = Cases.irYaml(ir);
                      String problems =
                          ir.problems().stream()
                              .map(Problem::toString)
                              .collect(
                                  Collectors.joining(
                                      "\n", "", ir.problems().isEmpty() ? "" : "\n"));
                      GoldenFiles.assertMatches(dir.resolve("ir.yaml"), irYaml, "xds-node");
                      GoldenFiles.assertMatches(dir.resolve("problems.txt"), problems, "xds-node");
                      GoldenFiles.checkNoStaleOutputs(
                          dir, ".yaml", Set.of("input.yaml", "ir.yaml"), "xds-node");
                      // and the IR reads back as the same IR (but for each group's owner, which
                      // says where the group came from and is not written)
                      assertThat(Cases.readIr(irYaml).groups())
                          .isEqualTo(ir.groups().stream().map(Cases::withoutOwner).toList());
                    }));
  }
}
