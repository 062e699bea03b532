package io.meshgate.config.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import com.networknt.schema.path.PathType;
import io.meshgate.config.codec.Document;
import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.Kind;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import io.meshgate.config.validate.Violation;
import io.meshgate.testkit.GoldenFiles;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The shipped schema files, loaded as an editor would load them (from the files, into a registry of
 * their own), agree with the validator on every document of every validation golden case: a file
 * rejects a document exactly where the validator reports a {@code [schema]} violation. So the
 * schemas accept every valid case and reject every invalid case whose rule a schema can express.
 */
class SchemaAgreementTest {
  private static final Path CASES = Path.of("src/test/resources/golden/validate");
  private static final Map<Kind, Schema> SHIPPED = loadShippedFiles();

  @TestFactory
  Stream<DynamicTest> shippedSchemasRejectExactlyWhatTheValidatorsSchemaStepRejects() {
    return GoldenFiles.cases(CASES).stream()
        .map(
            caseDir ->
                DynamicTest.dynamicTest(
                    caseDir.getFileName().toString(),
                    () -> documents(caseDir).forEach(SchemaAgreementTest::assertAgreement)));
  }

  @Test
  void everyShippedSchemaAcceptsSomeGoldenDocument() {
    // Guards against agreement by vacuity: a kind no valid case exercises proves nothing.
    Set<Kind> accepted = EnumSet.noneOf(Kind.class);
    for (Path caseDir : GoldenFiles.cases(CASES)) {
      for (Document document : documents(caseDir)) {
        kindOf(document)
            .filter(kind -> SHIPPED.get(kind).validate(document.tree()).isEmpty())
            .ifPresent(accepted::add);
      }
    }
    assertThat(accepted).containsExactlyInAnyOrder(Kind.values());
  }

  private static void assertAgreement(Document document) {
    Optional<Kind> kind = kindOf(document);
    if (kind.isEmpty()) {
      // Refused before the schema step (YAML error, not an object, unknown kind): no schema
      // applies.
      return;
    }
    List<Violation> violations =
        ResourceValidator.get().validate(document.tree()) instanceof Validation.Invalid invalid
            ? invalid.violations()
            : List.of();
    Set<String> schemaPaths = paths(violations, Violation.Check.SCHEMA);
    Set<String> rulePaths = paths(violations, Violation.Check.RULE);
    Set<String> filePaths = new TreeSet<>();
    for (Error error : SHIPPED.get(kind.get()).validate(document.tree())) {
      filePaths.add(pointer(error));
    }
    // The validator leaves out a schema error that a rule run before the schema already explained
    // better (a Secret's plaintext values): such a path carries a [rule] line instead.
    Set<String> unexplained =
        filePaths.stream()
            .filter(path -> !rulePaths.contains(path))
            .collect(Collectors.toCollection(TreeSet::new));
    String where = document.location() + " (" + kind.get() + ")";

    assertThat(unexplained.isEmpty())
        .as(
            "%s: the shipped schema accepts it iff the validator reports no [schema] violation;"
                + " shipped schema rejects %s, validator says %s",
            where, filePaths, violations)
        .isEqualTo(schemaPaths.isEmpty());
    assertThat(unexplained)
        .as("%s: paths the shipped schema rejects", where)
        .isEqualTo(schemaPaths);
  }

  private static Optional<Kind> kindOf(Document document) {
    JsonNode tree = document.tree();
    if (tree == null || !tree.isObject() || !tree.path("kind").isTextual()) {
      return Optional.empty();
    }
    return Kind.find(tree.path("kind").asText());
  }

  private static List<Document> documents(Path caseDir) {
    return YamlDocuments.read("input.yaml", GoldenFiles.read(caseDir.resolve("input.yaml")));
  }

  private static Set<String> paths(List<Violation> violations, Violation.Check check) {
    return violations.stream()
        .filter(v -> v.check() == check)
        .map(Violation::path)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Where the error is, as the validator reports it: a missing or unknown field's own path. */
  private static String pointer(Error error) {
    StringBuilder pointer = new StringBuilder();
    NodePath path = error.getInstanceLocation();
    for (int i = 0; path != null && i < path.getNameCount(); i++) {
      String name = path.getName(i);
      if (i == 0 && (name.equals("$") || name.equals("#") || name.isEmpty())) {
        continue;
      }
      pointer.append('/').append(escape(name));
    }
    String keyword = error.getKeyword() == null ? "" : error.getKeyword();
    if (Set.of("required", "additionalProperties", "propertyNames").contains(keyword)) {
      pointer.append('/').append(escape(error.getProperty()));
    }
    return pointer.toString();
  }

  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }

  /** A registry of their own, draft 2020-12 as KindSchemas configures it, fed the files' text. */
  private static Map<Kind, Schema> loadShippedFiles() {
    SchemaRegistry registry =
        SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder ->
                builder.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build()));
    Map<Kind, Schema> schemas = new EnumMap<>(Kind.class);
    for (Kind kind : Kind.values()) {
      Path file = Path.of(SchemaFiles.DIRECTORY, SchemaFiles.fileName(kind));
      schemas.put(kind, registry.getSchema(GoldenFiles.read(file), InputFormat.JSON));
    }
    return schemas;
  }
}
