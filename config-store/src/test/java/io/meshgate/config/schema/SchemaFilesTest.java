package io.meshgate.config.schema;

import io.meshgate.config.model.Kind;
import io.meshgate.testkit.GoldenFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The shipped schema files in {@code config-store/schemas/} are the generator's output, byte for
 * byte. Regenerate with {@code -Dgolden.update=true}.
 */
class SchemaFilesTest {
  private static final Path DIRECTORY = Path.of(SchemaFiles.DIRECTORY);
  private static final String MODULE = "config-store";

  @TestFactory
  Stream<DynamicTest> everyKindsSchemaFileMatchesTheGenerator() {
    return Arrays.stream(Kind.values())
        .map(
            kind ->
                DynamicTest.dynamicTest(
                    SchemaFiles.fileName(kind),
                    () ->
                        GoldenFiles.assertMatches(
                            DIRECTORY.resolve(SchemaFiles.fileName(kind)),
                            SchemaFiles.pretty(SchemaGenerator.generate(kind)),
                            MODULE)));
  }

  @Test
  void noSchemaFileIsShippedForAKindThatDoesNotExist() throws IOException {
    if (GoldenFiles.updating()) {
      // The first update creates the folder; this test may run before the files are written.
      Files.createDirectories(DIRECTORY);
    }
    Set<String> produced =
        Arrays.stream(Kind.values()).map(SchemaFiles::fileName).collect(Collectors.toSet());
    GoldenFiles.checkNoStaleOutputs(DIRECTORY, ".json", produced, MODULE);
  }
}
