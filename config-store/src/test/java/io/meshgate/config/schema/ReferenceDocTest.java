package io.meshgate.config.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.Kind;
import io.meshgate.config.model.SecretSpec;
import io.meshgate.testkit.GoldenFiles;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docs/config-reference.md is what {@link ReferenceDoc} renders from the model. Regenerate with
 * {@code -Dgolden.update=true}, then read the diff: it is what users will read.
 */
class ReferenceDocTest {
  // Tests run in the module directory; docs/ is the project's.
  private static final Path REFERENCE = Path.of("../docs/config-reference.md");

  @Test
  void theReferenceInDocsIsTheGeneratedOne() {
    GoldenFiles.assertMatches(REFERENCE, ReferenceDoc.markdown(), "config-store");
  }

  @Test
  void everyKindHasASectionAndEveryRecordOneTable() {
    // given
    Set<Class<?>> records = new LinkedHashSet<>();
    for (Kind kind : Kind.values()) {
      collect(kind.specType(), records);
    }

    // when
    List<String> headings = Markdown.headings(ReferenceDoc.markdown());

    // then
    for (Kind kind : Kind.values()) {
      assertThat(headings).as("kind %s", kind).containsOnlyOnce(kind.wireName());
    }
    List<String> tables = new ArrayList<>();
    for (Class<?> record : records) {
      tables.add(record == SecretSpec.class ? "Secret fields" : record.getSimpleName());
    }
    for (String table : tables) {
      assertThat(headings.stream().filter(table::equals)).as("table %s", table).hasSize(1);
    }
  }

  @Test
  void everyRecordFieldIsInTheReference() {
    String markdown = ReferenceDoc.markdown();
    Set<Class<?>> records = new LinkedHashSet<>();
    for (Kind kind : Kind.values()) {
      collect(kind.specType(), records);
    }
    for (Class<?> record : records) {
      for (RecordComponent component : record.getRecordComponents()) {
        assertThat(markdown)
            .as("%s.%s", record.getSimpleName(), component.getName())
            .contains("| `" + ModelReflection.jsonName(component) + "` |");
      }
    }
  }

  private static void collect(Class<?> record, Set<Class<?>> records) {
    if (!records.add(record)) {
      return;
    }
    for (RecordComponent component : record.getRecordComponents()) {
      Class<?> element = ModelReflection.elementType(component);
      if (element.isRecord()) {
        collect(element, records);
      }
    }
  }
}
