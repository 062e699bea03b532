package io.meshgate.config.schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.meshgate.config.model.Kind;

/**
 * The schema files shipped in {@code config-store/schemas/}, one per kind, for editors and for
 * producers written in other languages. SchemaFilesTest keeps them equal to {@link
 * SchemaGenerator}'s output.
 */
public final class SchemaFiles {
  /** Relative to the config-store module. */
  public static final String DIRECTORY = "schemas";

  // A plain mapper: the generator's property order is part of the file (record order, $defs
  // sorted), and the canonical mapper would sort keys.
  private static final ObjectWriter WRITER = new ObjectMapper().writer(printer());

  private SchemaFiles() {}

  /** {@code httproute.json}: the kind's lowercased name, as in etcd keys and on the CLI. */
  public static String fileName(Kind kind) {
    return kind.lowerName() + ".json";
  }

  /** The file's content: the kind's generated schema, pretty-printed. */
  public static String text(Kind kind) {
    return pretty(SchemaGenerator.generate(kind));
  }

  /**
   * JSON as editors and {@code JSON.stringify(value, null, 2)} write it: two-space indent, one
   * value per line, {@code "key": value}, empty containers as {@code []} and {@code {}}, and a
   * trailing newline, so diffs stay small and the bytes do not depend on the platform.
   */
  public static String pretty(JsonNode node) {
    try {
      return WRITER.writeValueAsString(node) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print a schema node", e);
    }
  }

  private static DefaultPrettyPrinter printer() {
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    Separators separators =
        Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("")
            .withArrayEmptySeparator("");
    return new DefaultPrettyPrinter(separators)
        .withObjectIndenter(indenter)
        .withArrayIndenter(indenter);
  }
}
